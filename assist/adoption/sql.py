"""SQL expressions the adoption queries need that SQLite and PostgreSQL spell differently.

Each is a small SQLAlchemy construct compiled per dialect, so the queries in ``funnel``, ``lift`` and
``adherence`` stay one code path: JSON array membership and length (a journey's ``steps_done``), the Monday
that starts a timestamp's week, and the seconds between two timestamps.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Float, Integer, String, case, literal
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.elements import ColumnElement
from sqlalchemy.sql.functions import FunctionElement

from assist.stores.tables import UTCDateTime

__all__ = ["action_step", "any_step_done", "day_start", "seconds_between", "step_done", "steps_count", "unindexed",
           "week_start"]


class step_done(FunctionElement[int]):  # noqa: N801 - reads like the SQL function it stands for
    """1 when the JSON ``state`` column's ``steps_done`` array holds ``step``, else 0 (also for no state)."""

    type = Integer()
    inherit_cache = True
    name = "step_done"


@compiles(step_done, "sqlite")
def _step_done_sqlite(element: step_done, compiler: Any, **kw: Any) -> str:
    state, step = (compiler.process(c, **kw) for c in element.clauses)
    return (f"(CASE WHEN EXISTS (SELECT 1 FROM json_each({state}, '$.steps_done') AS sd "
            f"WHERE sd.value = {step}) THEN 1 ELSE 0 END)")


@compiles(step_done, "postgresql")
def _step_done_postgresql(element: step_done, compiler: Any, **kw: Any) -> str:
    state, step = (compiler.process(c, **kw) for c in element.clauses)
    # an array "contains" a one-element array of the step: the GIN-friendly form of membership
    return f"(CASE WHEN ({state} -> 'steps_done') @> jsonb_build_array({step}) THEN 1 ELSE 0 END)"


class steps_count(FunctionElement[int]):  # noqa: N801
    """How many steps the JSON ``state`` column's ``steps_done`` array holds (0 for no state)."""

    type = Integer()
    inherit_cache = True
    name = "steps_count"


@compiles(steps_count, "sqlite")
def _steps_count_sqlite(element: steps_count, compiler: Any, **kw: Any) -> str:
    (state,) = (compiler.process(c, **kw) for c in element.clauses)
    return f"COALESCE(json_array_length({state}, '$.steps_done'), 0)"


@compiles(steps_count, "postgresql")
def _steps_count_postgresql(element: steps_count, compiler: Any, **kw: Any) -> str:
    (state,) = (compiler.process(c, **kw) for c in element.clauses)
    return f"COALESCE(jsonb_array_length({state} -> 'steps_done'), 0)"


class week_start(FunctionElement[str]):  # noqa: N801
    """The Monday (UTC, ``YYYY-MM-DD``) starting the ISO week of a timestamp."""

    type = String()
    inherit_cache = True
    name = "week_start"


@compiles(week_start, "sqlite")
def _week_start_sqlite(element: week_start, compiler: Any, **kw: Any) -> str:
    (when,) = (compiler.process(c, **kw) for c in element.clauses)
    # 'weekday 0' moves forward to the next Sunday (or stays on one); six days back is that week's Monday
    return f"date({when}, 'weekday 0', '-6 days')"


@compiles(week_start, "postgresql")
def _week_start_postgresql(element: week_start, compiler: Any, **kw: Any) -> str:
    (when,) = (compiler.process(c, **kw) for c in element.clauses)
    return f"to_char(date_trunc('week', {when} AT TIME ZONE 'UTC'), 'YYYY-MM-DD')"


class seconds_between(FunctionElement[float]):  # noqa: N801
    """Seconds from the first timestamp to the second (NULL when either is NULL)."""

    type = Float()
    inherit_cache = True
    name = "seconds_between"


@compiles(seconds_between, "sqlite")
def _seconds_between_sqlite(element: seconds_between, compiler: Any, **kw: Any) -> str:
    start, end = (compiler.process(c, **kw) for c in element.clauses)
    return f"((julianday({end}) - julianday({start})) * 86400.0)"


@compiles(seconds_between, "postgresql")
def _seconds_between_postgresql(element: seconds_between, compiler: Any, **kw: Any) -> str:
    start, end = (compiler.process(c, **kw) for c in element.clauses)
    return f"EXTRACT(EPOCH FROM ({end} - {start}))"


def action_step(action: ColumnElement[str]) -> ColumnElement[str]:
    """The journey step an action leaves when done (``verify_identity`` -> ``identity_verified``), as the
    stream records it (``assist.sessions.events.ACTION_STEPS``); other actions are recorded under their name."""
    from assist.sessions.events import ACTION_STEPS  # the stream owns the mapping; read, never copied

    whens = [(action == literal(a), literal(step)) for a, step in sorted(ACTION_STEPS.items())]
    return case(*whens, else_=action)


class day_start(FunctionElement[Any]):  # noqa: N801
    """Midnight (UTC) of a timestamp's day, in the form the backend stores ``UTCDateTime`` values, so a rolled-up
    day compares equal to the bound ``datetime`` of that midnight."""

    type = UTCDateTime()
    inherit_cache = True
    name = "day_start"


@compiles(day_start, "sqlite")
def _day_start_sqlite(element: day_start, compiler: Any, **kw: Any) -> str:
    (when,) = (compiler.process(c, **kw) for c in element.clauses)
    return f"strftime('%Y-%m-%d 00:00:00.000000', {when})"


@compiles(day_start, "postgresql")
def _day_start_postgresql(element: day_start, compiler: Any, **kw: Any) -> str:
    (when,) = (compiler.process(c, **kw) for c in element.clauses)
    return f"(date_trunc('day', {when} AT TIME ZONE 'UTC') AT TIME ZONE 'UTC')"


class any_step_done(FunctionElement[bool]):  # noqa: N801
    """True when the JSON ``state`` column's ``steps_done`` array holds any of the given steps (one test per
    checklist item instead of one per step)."""

    inherit_cache = True
    name = "any_step_done"


@compiles(any_step_done, "sqlite")
def _any_step_done_sqlite(element: any_step_done, compiler: Any, **kw: Any) -> str:
    state, *steps = (compiler.process(c, **kw) for c in element.clauses)
    return (f"EXISTS (SELECT 1 FROM json_each({state}, '$.steps_done') AS sd "
            f"WHERE sd.value IN ({', '.join(steps)}))")


@compiles(any_step_done, "postgresql")
def _any_step_done_postgresql(element: any_step_done, compiler: Any, **kw: Any) -> str:
    state, *steps = (compiler.process(c, **kw) for c in element.clauses)
    return f"COALESCE(jsonb_exists_any({state} -> 'steps_done', ARRAY[{', '.join(steps)}]::text[]), false)"


class unindexed(FunctionElement[str]):  # noqa: N801
    """A column SQLite may not read through its index: a raw report grouped by ``prompt.agent_id`` made SQLite
    walk ``ix_prompt_agent_id`` over every prompt (to skip a sort) instead of the range's ``ix_prompt_shown_at``
    (37 times slower for one day of 200 k prompts, measured). ``+column`` on SQLite; the column on PostgreSQL."""

    type = String()
    inherit_cache = True
    name = "unindexed"


@compiles(unindexed, "sqlite")
def _unindexed_sqlite(element: unindexed, compiler: Any, **kw: Any) -> str:
    (column,) = (compiler.process(c, **kw) for c in element.clauses)
    return f"+{column}"


@compiles(unindexed, "postgresql")
def _unindexed_postgresql(element: unindexed, compiler: Any, **kw: Any) -> str:
    (column,) = (compiler.process(c, **kw) for c in element.clauses)
    return str(column)

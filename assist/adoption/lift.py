"""Outcome lift: how often a prompt's contact was resolved when the guidance was followed, against when not.

The unit is the settled prompt of a closed contact (as in the funnel); the two resolution rates get Wilson
score intervals and their difference Newcombe's hybrid score interval, which stays inside [-1, 1] and behaves
at small counts where the normal approximation does not. The counts come from one GROUP BY (action,
followed). Observational, and said so in every report: agents choose when to follow.
"""

from __future__ import annotations

import math
from datetime import UTC, datetime

from sqlalchemy import func
from sqlmodel.ext.asyncio.session import AsyncSession

from assist.adoption.facts import Scope, prompt_facts
from assist.adoption.rollup import rolled_rows, split, watermark
from assist.adoption.schemas import Lift, LiftReport, RateInterval
from assist.stores.tables import PromptRecord

__all__ = ["CAVEAT", "MIN_PER_SIDE", "Z95", "lift", "lift_report", "wilson"]

Z95 = 1.959963984540054
MIN_PER_SIDE = 30
"""Below this many prompts on either side the interval is too wide to act on; the report warns."""
MIN_EVENTS = 5
"""Fewer resolved (or unresolved) than this on a side and even the score interval is unreliable."""
CAVEAT = ("Observational: agents choose when to follow guidance, so the difference may come from the contacts "
          "they follow it on rather than from the guidance. Only an experiment with random arms shows cause.")


def wilson(successes: int, n: int, z: float = Z95) -> RateInterval:
    """The rate ``successes / n`` with its Wilson score interval (all None when ``n`` is 0)."""
    if n == 0:
        return RateInterval(n=0, successes=0, rate=None, low=None, high=None)
    p = successes / n
    denominator = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denominator
    half = z / denominator * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n))
    return RateInterval(n=n, successes=successes, rate=p, low=max(0.0, centre - half), high=min(1.0, centre + half))


def lift(key: str, followed: RateInterval, not_followed: RateInterval, min_per_side: int = MIN_PER_SIDE) -> Lift:
    """``followed`` minus ``not_followed`` with Newcombe's (1998, method 10) interval; a warning when thin."""
    problems = []
    for name, side in (("followed", followed), ("not followed", not_followed)):
        if side.n < min_per_side:
            problems.append(f"{side.n} {name} (need {min_per_side})")
        elif min(side.successes, side.n - side.successes) < MIN_EVENTS:
            problems.append(f"fewer than {MIN_EVENTS} resolved or unresolved when {name}")
    warning = "Too small a sample to read: " + "; ".join(problems) + "." if problems else None
    if followed.rate is None or not_followed.rate is None:
        return Lift(key=key, followed=followed, not_followed=not_followed, difference=None, low=None, high=None,
                    enough_data=False, warning=warning)
    assert followed.low is not None and followed.high is not None  # noqa: S101 - set whenever rate is
    assert not_followed.low is not None and not_followed.high is not None  # noqa: S101
    p1, p2 = followed.rate, not_followed.rate
    difference = p1 - p2
    low = difference - math.sqrt((p1 - followed.low) ** 2 + (not_followed.high - p2) ** 2)
    high = difference + math.sqrt((followed.high - p1) ** 2 + (p2 - not_followed.low) ** 2)
    return Lift(key=key, followed=followed, not_followed=not_followed, difference=round(difference, 6),
                low=round(low, 6), high=round(high, 6), enough_data=warning is None, warning=warning)


async def lift_report(session: AsyncSession, scope: Scope, *, ignore_after_seconds: float,
                      min_per_side: int = MIN_PER_SIDE, now: datetime | None = None) -> LiftReport:
    """Resolution lift of followed guidance overall and per action (most prompts first) in ``scope``."""
    now = now or datetime.now(UTC)
    parts = split(scope, await watermark(session))
    action = PromptRecord.__table__.c.action  # type: ignore[attr-defined]
    counts: dict[str, dict[int, tuple[int, int]]] = {}

    def add(key: str, flag: int, resolved: int, n: int) -> None:
        r0, n0 = counts.setdefault(key, {}).get(flag, (0, 0))
        counts[key][flag] = (r0 + resolved, n0 + n)

    for piece in parts.raw:
        facts = prompt_facts(piece, now, ignore_after_seconds)
        followed = facts.followed.label("followed")
        query = (facts.select(action, followed, func.count().label("n"),
                              func.sum(facts.resolved).label("resolved"))
                 .where(facts.closed == 1)
                 .group_by(action, followed))
        for row in (await session.exec(query)).all():
            add(row.action, int(row.followed), int(row.resolved or 0), int(row.n))
    if parts.rolled is not None:
        for row in (await session.exec(rolled_rows(parts.rolled, "action"))).all():
            closed, resolved = int(row.closed or 0), int(row.resolved or 0)
            followed_n, followed_resolved = int(row.followed_closed or 0), int(row.followed_resolved or 0)
            if followed_n:
                add(row.key, 1, followed_resolved, followed_n)
            if closed - followed_n:
                add(row.key, 0, resolved - followed_resolved, closed - followed_n)

    def sides(by_flag: dict[int, tuple[int, int]]) -> tuple[RateInterval, RateInterval]:
        return wilson(*by_flag.get(1, (0, 0))), wilson(*by_flag.get(0, (0, 0)))

    overall: dict[int, tuple[int, int]] = {}
    for by_flag in counts.values():
        for flag, (resolved, n) in by_flag.items():
            r0, n0 = overall.get(flag, (0, 0))
            overall[flag] = (r0 + resolved, n0 + n)
    by_action = [lift(a, *sides(f), min_per_side=min_per_side) for a, f in counts.items()]
    by_action.sort(key=lambda x: (-(x.followed.n + x.not_followed.n), x.key))
    return LiftReport(generated_at=now, start=scope.start, end=scope.end, team=scope.team,
                      agent_id=scope.agent_id, queue=scope.queue, channel=scope.channel, practice=scope.practice,
                      min_per_side=min_per_side, caveat=CAVEAT,
                      overall=lift("all", *sides(overall), min_per_side=min_per_side), by_action=by_action)

"""Who may read which adoption figures, and the query's scope from its parameters.

Supervisors, trainers and admins read any agent's or team's figures; an agent reads only their own (asking
for nobody in particular means themselves; asking for someone else is refused, not quietly narrowed).
"""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import UTC, datetime
from typing import Annotated, Literal

from fastapi import Depends, Query
from pydantic import BeforeValidator

from assist.adoption.facts import Scope
from assist.auth.principal import Principal, Role
from assist.dependencies import require_roles
from assist.errors import Forbidden, InvalidInput
from assist.sessions.schemas import Channel
from routing.schemas import Name

__all__ = ["IsoDateTime", "PromptScopeDep", "ReaderDep", "ReportChannel", "ScopeDep", "scope_for"]

READERS = (Role.SUPERVISOR, Role.TRAINER, Role.ADMIN, Role.AGENT)
SEE_EVERYONE = frozenset({Role.SUPERVISOR, Role.TRAINER, Role.ADMIN})

ReaderDep = Annotated[Principal, Depends(require_roles(*READERS))]

_ISO_DATETIME = (r"^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?"
                 r"([Zz]|[+-]\d{2}(:?\d{2})?)?$")


def _iso_only(value: object) -> object:
    """A number would pass as seconds since the epoch (pydantic's lax mode): ``since=0.5`` meant 1970."""
    if isinstance(value, str) and not re.fullmatch(_ISO_DATETIME, value):
        raise ValueError("must be an ISO 8601 date and time, e.g. 2026-12-01T09:00:00Z")
    return value


IsoDateTime = Annotated[datetime, BeforeValidator(_iso_only)]


def _utc(when: datetime | None) -> datetime | None:
    if when is not None and when.tzinfo is None:
        return when.replace(tzinfo=UTC)  # a time without a zone is read as UTC, like every stored time
    return when


def scope_for(principal: Principal, *, start: datetime | None, end: datetime | None, team: str | None,
              agent_id: str | None, practice: bool) -> Scope:
    """The scope ``principal`` may read; raises Forbidden for an agent asking about another agent or a
    team, InvalidInput for a range that ends before it starts."""
    start, end = _utc(start), _utc(end)
    if start is not None and end is not None and end <= start:
        raise InvalidInput("'end' must be after 'start'", code="invalid_range")
    if principal.role not in SEE_EVERYONE:
        if agent_id not in (None, principal.subject):
            raise Forbidden("an agent sees only their own figures", code="own_figures_only")
        if team is not None:
            raise Forbidden("an agent sees only their own figures, not a team's", code="own_figures_only")
        agent_id = principal.subject
    return Scope(start=start, end=end, team=team, agent_id=agent_id, practice=practice)


async def _scope(
    principal: ReaderDep,
    start: Annotated[IsoDateTime | None, Query(description="prompts shown (contacts started) at or after, ISO 8601; "
                                                        "UTC when no zone is given")] = None,
    end: Annotated[IsoDateTime | None, Query(description="... and before this time")] = None,
    team: Annotated[str | None, Query(min_length=1, max_length=64, description="one team's agents only")] = None,
    agent_id: Annotated[str | None, Query(min_length=1, max_length=64,
                                          description="one agent only (an agent may ask only for themselves)")]
        = None,
    practice: Annotated[bool, Query(description="practice runs instead of live work (never mixed)")] = False,
) -> Scope:
    return scope_for(principal, start=start, end=end, team=team, agent_id=agent_id, practice=practice)


ScopeDep = Annotated[Scope, Depends(_scope)]


ReportChannel = Channel | Literal["unknown"]
"""A prompt's channel as reports know it: a session's channel, or ``unknown`` (``facts.UNKNOWN``) for prompts
recorded before prompts kept one."""


async def _prompt_scope(
    scope: ScopeDep,
    queue: Annotated[Name | None, Query(description=(
        "prompts of contacts that came in on this routing queue only (a directly offered contact's queue is its "
        "reason); `unknown` for prompts recorded before prompts kept their queue"))] = None,
    channel: Annotated[ReportChannel | None, Query(description=(
        "prompts of contacts on this channel only; `unknown` for prompts recorded before prompts kept their "
        "channel"))] = None,
) -> Scope:
    return replace(scope, queue=queue, channel=channel)


PromptScopeDep = Annotated[Scope, Depends(_prompt_scope)]
"""``ScopeDep`` with the prompt's own queue and channel: for the reports counted per prompt (funnel, lift);
contact reports (adherence, panel use) have no queue to narrow by."""

"""HTTP: the prompt feedback recorded so far, for supervisors (read-only)."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Query
from pydantic import BeforeValidator

from assist.adoption.schemas import AdoptionSummary
from assist.adoption.service import DEFAULT_IGNORE_AFTER_SECONDS, summarise_feedback
from assist.auth.principal import Principal, Role
from assist.dependencies import SessionDep, require_roles

router = APIRouter(prefix="/v1/adoption", tags=["adoption"])

_ISO_DATETIME = (r"^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?"
                 r"([Zz]|[+-]\d{2}(:?\d{2})?)?$")


def _iso_only(value: object) -> object:
    """A number would pass as seconds since the epoch (pydantic's lax mode): ``since=0.5`` meant 1970."""
    if isinstance(value, str) and not re.fullmatch(_ISO_DATETIME, value):
        raise ValueError("must be an ISO 8601 date and time, e.g. 2026-12-01T09:00:00Z")
    return value


IsoDateTime = Annotated[datetime, BeforeValidator(_iso_only)]


@router.get("/summary", response_model=AdoptionSummary,
            summary="Prompt feedback so far: accepted/dismissed/ignored counts and rates, per agent and action")
async def summary(
    session: SessionDep,
    _: Annotated[Principal, Depends(require_roles(Role.SUPERVISOR, Role.ADMIN))],
    since: Annotated[IsoDateTime | None, Query(description=(
        "only prompts shown at or after this time (ISO 8601; without a zone, UTC)"))] = None,
    practice: Annotated[bool, Query(description="practice prompts instead of live ones")] = False,
    ignore_after_seconds: Annotated[float, Query(gt=0, le=86_400, description=(
        "an unanswered prompt older than this counts as ignored; newer ones are still open"))]
        = DEFAULT_IGNORE_AFTER_SECONDS,
) -> AdoptionSummary:
    if since is not None and since.tzinfo is None:
        since = since.replace(tzinfo=UTC)  # a time without a zone is read as UTC, like every stored time
    return await summarise_feedback(session, since=since, practice=practice,
                                    ignore_after_seconds=ignore_after_seconds)

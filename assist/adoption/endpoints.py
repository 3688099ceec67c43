"""HTTP: the prompt feedback recorded so far, for supervisors (read-only)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Query

from assist.adoption.schemas import AdoptionSummary
from assist.adoption.service import DEFAULT_IGNORE_AFTER_SECONDS, summarise_feedback
from assist.auth.principal import Principal, Role
from assist.dependencies import SessionDep, require_roles

router = APIRouter(prefix="/v1/adoption", tags=["adoption"])


@router.get("/summary", response_model=AdoptionSummary,
            summary="Prompt feedback so far: accepted/dismissed/ignored counts and rates, per agent and action")
async def summary(
    session: SessionDep,
    _: Annotated[Principal, Depends(require_roles(Role.SUPERVISOR, Role.ADMIN))],
    since: Annotated[datetime | None, Query(description="only prompts shown at or after (ISO 8601)")] = None,
    practice: Annotated[bool, Query(description="practice prompts instead of live ones")] = False,
    ignore_after_seconds: Annotated[float, Query(gt=0, le=86_400, description=(
        "an unanswered prompt older than this counts as ignored; newer ones are still open"))]
        = DEFAULT_IGNORE_AFTER_SECONDS,
) -> AdoptionSummary:
    if since is not None and since.tzinfo is None:
        since = since.replace(tzinfo=UTC)  # a time without a zone is read as UTC, like every stored time
    return await summarise_feedback(session, since=since, practice=practice,
                                    ignore_after_seconds=ignore_after_seconds)

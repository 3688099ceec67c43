"""HTTP: adoption analytics for supervisors and trainers (an agent reads only their own figures), read-only."""

from __future__ import annotations

import csv
import io
import logging
from typing import Annotated

from fastapi import APIRouter, BackgroundTasks, Depends, Query
from fastapi.responses import Response

from assist.adoption.adherence import adherence
from assist.adoption.funnel import Dimension, funnel
from assist.adoption.lift import MIN_PER_SIDE, lift_report
from assist.adoption.rollup import roll
from assist.adoption.schemas import AdherenceReport, AdoptionSummary, FunnelReport, FunnelRow, LiftReport
from assist.adoption.scope import IsoDateTime, PromptScopeDep, ScopeDep, scope_for
from assist.adoption.service import DEFAULT_IGNORE_AFTER_SECONDS, summarise_feedback
from assist.auth.principal import Principal, Role
from assist.dependencies import DatabaseDep, SessionDep, require_roles
from assist.errors import as_store_unavailable
from assist.panel_use.report import panel_use
from assist.panel_use.schemas import PanelUseReport
from assist.stores.sql import Database

router = APIRouter(prefix="/v1/adoption", tags=["adoption"])
log = logging.getLogger(__name__)

IgnoreAfter = Annotated[float, Query(gt=0, le=86_400, description=(
    "an unanswered prompt of a contact still going counts as ignored after this long (one of a closed "
    "contact always does)"))]
By = Annotated[Dimension, Query(description=(
    "group prompts by agent, team, action, queue (the routing queue the contact came in on), channel, or week "
    "(Monday, UTC)"))]


@router.get("/summary", response_model=AdoptionSummary,
            summary="Prompt feedback in a date range (so far by default): accepted/dismissed/ignored counts and "
                    "rates, per agent and action")
async def summary(
    session: SessionDep,
    db: DatabaseDep,
    background: BackgroundTasks,
    principal: Annotated[Principal, Depends(require_roles(Role.SUPERVISOR, Role.TRAINER, Role.ADMIN))],
    since: Annotated[IsoDateTime | None, Query(description="only prompts shown at or after (ISO 8601; UTC when "
                                                           "no zone is given)")] = None,
    end: Annotated[IsoDateTime | None, Query(description="... and before this time")] = None,
    practice: Annotated[bool, Query(description="practice prompts instead of live ones")] = False,
    ignore_after_seconds: IgnoreAfter = DEFAULT_IGNORE_AFTER_SECONDS,
) -> AdoptionSummary:
    scope = scope_for(principal, start=since, end=end, team=None, agent_id=None, practice=practice)
    background.add_task(_roll_settled_days, db)
    return await summarise_feedback(session, since=scope.start, end=scope.end, practice=practice,
                                    ignore_after_seconds=ignore_after_seconds)


async def _roll_settled_days(db: Database) -> None:
    """Bring the daily roll-up forward after a report was sent (one read, most days nothing more): a day's
    roll takes seconds at millions of prompts, which no request should wait for. Reports are right without
    it (what is not rolled is read raw), so a failure is logged, never raised."""
    try:
        await roll(db)
    except Exception as exc:  # noqa: BLE001 - the report does not need the roll-up to be right
        log.warning("adoption roll-up not brought forward, reports read raw prompts meanwhile: %s",
                    as_store_unavailable(exc) or exc)


@router.get("/funnel", response_model=FunnelReport,
            summary="The guidance funnel (shown, accepted, followed, overridden, outcome) by agent, team, action, "
                    "queue, channel or week")
async def get_funnel(session: SessionDep, db: DatabaseDep, background: BackgroundTasks, scope: PromptScopeDep,
                     by: By = Dimension.WEEK,
                     ignore_after_seconds: IgnoreAfter = DEFAULT_IGNORE_AFTER_SECONDS) -> FunnelReport:
    background.add_task(_roll_settled_days, db)
    return await funnel(session, scope, by, ignore_after_seconds=ignore_after_seconds)


@router.get("/funnel.csv", response_class=Response, summary="The same funnel as CSV, one row per group",
            responses={200: {"content": {"text/csv": {"schema": {"type": "string"}}},
                                 "description": "a header row, then one row per group"}})
async def get_funnel_csv(session: SessionDep, db: DatabaseDep, background: BackgroundTasks, scope: PromptScopeDep,
                         by: By = Dimension.WEEK,
                         ignore_after_seconds: IgnoreAfter = DEFAULT_IGNORE_AFTER_SECONDS) -> Response:
    background.add_task(_roll_settled_days, db)
    report = await funnel(session, scope, by, ignore_after_seconds=ignore_after_seconds)
    out = io.StringIO()
    columns = list(FunnelRow.model_fields)
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow([by.value if c == "key" else c for c in columns])
    for row in report.rows:
        writer.writerow(["" if (v := getattr(row, c)) is None else _cell(v) for c in columns])
    return Response(out.getvalue(), media_type="text/csv; charset=utf-8", headers={
        "Content-Disposition": f'attachment; filename="adoption-funnel-by-{by.value}.csv"'})


def _cell(value: object) -> object:
    """A CSV cell that a spreadsheet will not run as a formula (an agent id or action could start with '=')."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value


@router.get("/lift", response_model=LiftReport,
            summary="Resolution when guidance was followed vs not, with 95% intervals (observational)")
async def get_lift(session: SessionDep, db: DatabaseDep, background: BackgroundTasks, scope: PromptScopeDep,
                   min_per_side: Annotated[int, Query(ge=1, le=100_000, description=(
                       "fewer prompts than this on either side and the report warns"))] = MIN_PER_SIDE,
                   ignore_after_seconds: IgnoreAfter = DEFAULT_IGNORE_AFTER_SECONDS) -> LiftReport:
    background.add_task(_roll_settled_days, db)
    return await lift_report(session, scope, ignore_after_seconds=ignore_after_seconds, min_per_side=min_per_side)


@router.get("/adherence", response_model=AdherenceReport,
            summary="Checklist items covered in closed contacts, per contact reason, agent and team")
async def get_adherence(session: SessionDep, db: DatabaseDep, background: BackgroundTasks,
                        scope: ScopeDep) -> AdherenceReport:
    background.add_task(_roll_settled_days, db)
    return await adherence(session, scope)


@router.get("/panel-use", response_model=PanelUseReport,
            summary="Panel use per closed contact: time the panel was in view, context card and article views, "
                    "per agent and team")
async def get_panel_use(session: SessionDep, db: DatabaseDep, background: BackgroundTasks,
                        scope: ScopeDep) -> PanelUseReport:
    background.add_task(_roll_settled_days, db)
    return await panel_use(session, scope)

"""Creating, listing and stopping experiments, and finding the one a live contact falls in.

At most one experiment runs for a contact: two whose times and queues overlap (one with no queue covers every
queue) are refused, so a contact is never in two arms at once and every arm's contacts are drawn the same way.
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from assist.auth.principal import Principal
from assist.errors import Conflict, InvalidInput, NotFound
from assist.experiments.schemas import Arm, ExperimentCreate, ExperimentView, Status
from assist.experiments.tables import Experiment
from assist.guidance.tables import ModelVersion
from assist.ids import new_id

__all__ = ["create", "get", "list_all", "running_for", "stop", "view"]


def _utc(when: datetime | None) -> datetime | None:
    if when is not None and when.tzinfo is None:
        return when.replace(tzinfo=UTC)  # no zone means UTC, like every stored time
    return when


def status_of(row: Experiment, now: datetime) -> Status:
    if row.status == "stopped":
        return "stopped"
    if now < row.start_at:
        return "scheduled"
    if row.end_at is not None and now >= row.end_at:
        return "ended"
    return "running"


def arms_of(row: Experiment) -> list[Arm]:
    return [Arm.model_validate(a) for a in row.arms]


def view(row: Experiment, now: datetime | None = None) -> ExperimentView:
    return ExperimentView(id=row.id, name=row.name, unit=row.unit,  # type: ignore[arg-type]
                          queue=row.queue, arms=arms_of(row), status=status_of(row, now or datetime.now(UTC)),
                          start_at=row.start_at, end_at=row.end_at, created_at=row.created_at,
                          created_by=row.created_by, stopped_at=row.stopped_at, stopped_by=row.stopped_by)


def _overlaps(row: Experiment, queue: str | None, start: datetime, end: datetime | None) -> bool:
    if row.queue is not None and queue is not None and row.queue != queue:
        return False
    starts_before_other_ends = row.end_at is None or start < row.end_at
    other_starts_before_end = end is None or row.start_at < end
    return starts_before_other_ends and other_starts_before_end


async def create(s: AsyncSession, principal: Principal, request: ExperimentCreate,
                 now: datetime | None = None) -> Experiment:
    """Store a new experiment; raises InvalidInput (bad times, unknown model version) or Conflict (another
    experiment runs on the same contacts at the same time)."""
    now = now or datetime.now(UTC)
    start, end = _utc(request.start_at) or now, _utc(request.end_at)
    if end is not None and end <= max(start, now):
        raise InvalidInput("'end_at' must be after 'start_at' and in the future", code="invalid_range")
    for arm in request.arms:
        if arm.model_version is not None and await s.get(ModelVersion, arm.model_version) is None:
            raise InvalidInput(f"no registered model version {arm.model_version!r} (arm {arm.name!r})",
                               code="unknown_model")
    arms = list(request.arms)
    if not any(a.control for a in arms):
        arms[0] = arms[0].model_copy(update={"control": True})
    live = (await s.exec(select(Experiment).where(Experiment.status == "running"))).all()
    for other in live:
        if _overlaps(other, request.queue, start, end) and status_of(other, now) != "ended":
            scope = f"queue {other.queue!r}" if other.queue else "every queue"
            raise Conflict(f"experiment {other.id} ({other.name!r}) already runs on {scope} at that time",
                           code="experiment_overlap")
    row = Experiment(id=new_id("X-"), name=request.name, unit=request.unit, queue=request.queue,
                     arms=[a.model_dump(mode="json") for a in arms], start_at=start, end_at=end,
                     created_at=now, created_by=principal.subject)
    s.add(row)
    await s.flush()
    return row


async def list_all(s: AsyncSession) -> list[Experiment]:
    return list((await s.exec(select(Experiment).order_by(col(Experiment.created_at).desc()))).all())


async def get(s: AsyncSession, experiment_id: str) -> Experiment:
    row = await s.get(Experiment, experiment_id)
    if row is None:
        raise NotFound(f"no experiment {experiment_id!r}", code="unknown_experiment")
    return row


async def stop(s: AsyncSession, principal: Principal, experiment_id: str, now: datetime | None = None) -> Experiment:
    """Stop serving arms to new contacts (contacts in progress keep theirs); raises Conflict if stopped already."""
    row = await get(s, experiment_id)
    if row.status == "stopped":
        raise Conflict(f"experiment {experiment_id} is already stopped", code="experiment_stopped")
    row.status, row.stopped_at, row.stopped_by = "stopped", now or datetime.now(UTC), principal.subject
    s.add(row)
    await s.flush()
    return row


async def running_for(s: AsyncSession, queue: str, now: datetime | None = None) -> Experiment | None:
    """The experiment a live contact of ``queue`` falls in now, if any (overlaps are refused, so at most one)."""
    now = now or datetime.now(UTC)
    rows = (await s.exec(select(Experiment).where(Experiment.status == "running")
                         .order_by(col(Experiment.created_at)))).all()
    return next((r for r in rows if r.queue in (None, queue) and status_of(r, now) == "running"), None)

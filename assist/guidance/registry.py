"""The model registry: versions in SQL (metadata, metrics, who is promoted) and artifacts on disk.

A version's files live in ``<data_dir>/models/<version>/`` (``models.artifacts``); its row keeps the data
hash, metrics and feature list, and exactly one row is ``promoted``. Every promotion and rollback is logged
(``ModelPromotion``), so a rollback returns to the version promoted before the current one. Workers poll
the promoted version (``ModelWatcher``) and swap their scorer when it changes: no restart, no dropped socket.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlmodel import col, select

from assist.errors import Conflict, NotFound, as_store_unavailable
from assist.guidance.tables import ModelPromotion, ModelVersion
from assist.stores.sql import Database
from assist.tasks import cancel_and_wait

if TYPE_CHECKING:
    from assist.guidance.model import ModelGuidance

log = logging.getLogger(__name__)

__all__ = ["ModelPromotion", "ModelRegistry", "ModelVersion", "ModelWatcher"]

DRIFT_EVERY_POLLS = 60
"""With the default 5 s poll: the served traffic is compared with the training data every 5 minutes."""


class ModelRegistry:
    def __init__(self, db: Database, root: Path) -> None:
        self.db = db
        self.root = Path(root)

    def path_of(self, version: ModelVersion) -> Path:
        return self.root / version.path

    async def register(self, path: Path, metrics: dict[str, Any] | None = None) -> ModelVersion:
        """Record the version saved in ``path`` (under the root); raises ArtifactError/Conflict."""
        from models.artifacts import ArtifactError, load_metadata

        path = Path(path)
        metadata = load_metadata(path)
        if path.resolve().parent != self.root.resolve():
            raise ArtifactError(f"{path} is not inside the registry root {self.root}")
        row = ModelVersion(version=str(metadata["version"]), path=path.name, data_hash=str(metadata["data_hash"]),
                           features=list(metadata["features"]), metrics=metrics or metadata.get("metrics", {}))
        async with self.db.session() as s:
            if await s.get(ModelVersion, row.version) is not None:
                raise Conflict(f"version {row.version} is already registered", code="model_exists")
            s.add(row)
        return row

    async def list(self) -> list[ModelVersion]:
        async with self.db.session() as s:
            return list((await s.exec(select(ModelVersion).order_by(col(ModelVersion.created_at).desc()))).all())

    async def promoted(self) -> ModelVersion | None:
        async with self.db.session() as s:
            return (await s.exec(select(ModelVersion).where(ModelVersion.status == "promoted"))).first()

    async def promote(self, version: str, kind: str = "promote") -> ModelVersion:
        """Make ``version`` the one served; raises NotFound for an unknown version."""
        async with self.db.session() as s:
            target = await s.get(ModelVersion, version)
            if target is None:
                raise NotFound(f"no model version {version!r}", code="unknown_model")
            current = (await s.exec(select(ModelVersion).where(ModelVersion.status == "promoted"))).all()
            previous = None
            for row in current:
                if row.version != version:
                    previous = row.version
                    row.status = "registered"
                    s.add(row)
            target.status, target.promoted_at = "promoted", datetime.now(UTC)
            s.add(target)
            s.add(ModelPromotion(version=version, previous=previous, kind=kind))
        return target

    async def rollback(self) -> ModelVersion:
        """Promote again the version that was promoted before the current one; raises Conflict if none."""
        async with self.db.session() as s:
            last = (await s.exec(select(ModelPromotion).order_by(col(ModelPromotion.id).desc()))).first()
        if last is None or last.previous is None:
            raise Conflict("nothing to roll back to", code="no_previous_model")
        return await self.promote(last.previous, kind="rollback")

    async def in_shadow(self) -> ModelVersion | None:
        """The candidate being shadowed (``status == "shadow"``: scored on live contexts, never shown), if any."""
        async with self.db.session() as s:
            return (await s.exec(select(ModelVersion).where(ModelVersion.status == "shadow"))).first()

    async def set_status(self, version: str, status: str, note: dict[str, Any] | None = None) -> ModelVersion:
        """Mark a version ``registered`` or ``shadow`` (promotion goes through ``promote``), merging ``note`` into
        its metrics; raises NotFound for an unknown version, ValueError for another status."""
        if status not in ("registered", "shadow"):
            raise ValueError(f"status {status!r}: only registered or shadow (promote() promotes)")
        async with self.db.session() as s:
            row = await s.get(ModelVersion, version)
            if row is None:
                raise NotFound(f"no model version {version!r}", code="unknown_model")
            row.status = status
            if note:
                row.metrics = {**row.metrics, **note}
            s.add(row)
        return row

    async def demote(self) -> None:
        """Serve no model (the rules, as the baseline)."""
        async with self.db.session() as s:
            for row in (await s.exec(select(ModelVersion).where(ModelVersion.status == "promoted"))).all():
                row.status = "registered"
                s.add(row)


class ModelWatcher:
    """Polls the promoted version every ``interval`` seconds and installs it into ``guidance``; on a drift alert,
    calls ``on_drift`` (the retrain-and-gate job, ``assist.guidance.floor.DriftRetrainer``) when given."""

    def __init__(self, registry: ModelRegistry, guidance: ModelGuidance, interval: float = 5.0,
                 on_drift: Callable[[tuple[str, ...]], Any] | None = None) -> None:
        self.registry = registry
        self.guidance = guidance
        self.interval = interval
        self.on_drift = on_drift
        self._failed: str | None = None
        self._task: asyncio.Task[None] | None = None

    async def check(self) -> bool:
        """Load the promoted version if it changed; returns True when the served model changed.

        A version that cannot be loaded leaves the rules answering in degraded mode until another is promoted.
        """
        from models.artifacts import ArtifactError
        from models.scorer import Scorer

        promoted = await self.registry.promoted()
        if promoted is None:
            changed = self.guidance.scorer is not None or self.guidance._loaded.expected
            self.guidance.install(None, expected=False)
            self._failed = None
            return changed
        if promoted.version in (self.guidance.version, self._failed):
            return False
        try:
            scorer = await asyncio.to_thread(Scorer.load, self.registry.path_of(promoted))
        except (ArtifactError, ValueError, OSError) as exc:
            log.error("promoted model cannot be loaded; rules answer (degraded)",
                      extra={"model_version": promoted.version, "error": str(exc)})
            self._failed = promoted.version
            self.guidance.install(None, expected=True)
            return True
        self._failed = None
        self.guidance.install(scorer, expected=True)
        log.info("model loaded", extra={"model_version": promoted.version})
        return True

    def check_drift(self, min_rows: int = 500) -> tuple[str, ...]:
        """Fields whose live PSI is over the threshold (logged as a warning); () with too little traffic."""
        report = self.guidance.drift()
        if report is None or report.rows < min_rows or not report.alerts:
            return ()
        log.warning("feature drift over threshold", extra={"model_version": self.guidance.version,
                                                           "fields": list(report.alerts), "rows": report.rows,
                                                           "psi": {f: report.psi[f] for f in report.alerts}})
        if self.on_drift is not None:
            self.on_drift(report.alerts)
        return report.alerts

    async def _run(self) -> None:
        polls = 0
        outage = False
        while True:
            try:
                await self.check()
                if outage:
                    log.info("model watcher: the database answers again")
                outage = False
                polls += 1
                if polls % DRIFT_EVERY_POLLS == 0:
                    await asyncio.to_thread(self.check_drift)
            except Exception as exc:  # noqa: BLE001 - a database hiccup must not stop the watcher
                if as_store_unavailable(exc) is None:
                    log.exception("model watcher check failed")
                elif not outage:  # an outage is one warning, not a traceback every few seconds
                    log.warning("model watcher: the database does not answer; the served model stays")
                    outage = True
            await asyncio.sleep(self.interval)

    async def start(self) -> None:
        """Load the promoted version now (so the first request sees it), then keep polling."""
        with contextlib.suppress(Exception):
            await self.check()
        self._task = asyncio.create_task(self._run(), name="model-watcher")

    async def stop(self) -> None:
        await cancel_and_wait(self._task)
        self._task = None

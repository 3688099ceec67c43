"""Learning from the floor: train a version, gate it against the champion, and the retrain-and-gate job.

``train_version`` trains, saves, reports and registers one version (the CLI wraps it in a progress bar and
a summary). ``gate`` is the only way to promote: the candidate must beat its own baselines on its test slice
and, when a version is promoted, beat that champion by a paired DR comparison on the same rows
(``models.promotion.champion_gate``). ``retrain_from_floor`` is the job: export the live prompts and outcomes
(``assist.guidance.export``), optionally on top of a base history, optionally only if the live traffic
drifted from the champion's training data, train, gate, promote. ``assist models retrain-live`` runs it;
a worker runs it on a drift alert when ``ASSIST_RETRAIN_ON_DRIFT`` is set (``DriftRetrainer``).

Synchronous on purpose (training is CPU work): the async server runs it in a thread, where
``registry_call`` opens its own database connection and event loop.
"""

from __future__ import annotations

import asyncio
import logging
import threading
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from assist.guidance.registry import ModelRegistry, ModelVersion
from assist.settings import Settings

if TYPE_CHECKING:
    import pandas as pd

    from models.promotion import GateDecision, PairedComparison
    from models.training import Split, TrainConfig, TrainedModels

log = logging.getLogger(__name__)

T = TypeVar("T")

__all__ = ["MIN_LIVE_ROWS", "DriftRetrainer", "FloorRun", "NoTrainingData", "ShadowVerdict", "TrainedVersion",
           "enter_shadow", "export_frame", "gate", "judge_shadow", "live_shortfall", "registry_call",
           "retrain_from_floor", "train_steps", "train_version"]

MIN_LIVE_ROWS = 2_000
"""Fewest live decisions the job trains on alone (without a base history): below, a test slice of a few
hundred rows cannot tell a challenger from its champion."""


class NoTrainingData(ValueError):
    """The live export is too small to train on alone, and there is no other history to train on."""


def registry_call(settings: Settings, work: Callable[[ModelRegistry], Awaitable[T]]) -> T:
    """Run ``work`` against the registry on its own connection (and event loop: call it outside one)."""
    from assist.stores.sql import Database

    async def run() -> T:
        db = Database(settings.resolved_database_url)
        try:
            await db.create_schema()
            return await work(ModelRegistry(db, settings.data_dir / "models"))
        finally:
            await db.close()

    return asyncio.run(run())


def truth_available() -> bool:
    """The simulator's truth is installed (the data may be simulated: the policy table against it)."""
    try:
        import simulator.policy_eval  # noqa: F401
    except ImportError:
        return False
    return True


@dataclass
class TrainedVersion:
    row: ModelVersion
    metrics: dict[str, Any]
    models: TrainedModels
    split: Split
    report: Path
    table: Any = None
    """The policy table against the world's truth (simulated data only), else None."""


def train_steps(truth: bool) -> int:
    """How many times ``train_version`` reports progress."""
    from models.training import training_steps

    return training_steps() + 3 + truth


def train_version(settings: Settings, history: pd.DataFrame, config: TrainConfig, report: Path | None = None,
                  progress: Callable[[str], None] | None = None, truth: bool | None = None) -> TrainedVersion:
    """Train on ``history``, save the version with its report, register it (not promoted)."""
    from models.artifacts import save_version
    from models.report import write_report
    from models.training import train

    done = progress or (lambda step: None)
    truth = truth_available() if truth is None else truth
    models, split = train(history, config, progress=done)
    path = save_version(models, settings.data_dir / "models")
    done("saved")
    report = Path(report or path / "report")
    metrics = write_report(models, split, report)
    done("report and plots")
    table = None
    if truth:
        from simulator.policy_eval import policy_table, render_table

        table = policy_table(models, split.test)
        (report / "policy_value.md").write_text(render_table(table))
        done("policy value against the truth")
    small: dict[str, Any] = {k: metrics[k] for k in ("value_rmse", "resolution", "off_policy") if k in metrics}
    row = registry_call(settings, lambda r: r.register(path, small))
    done("registered")
    return TrainedVersion(row, metrics, models, split, report, table)


def gate(settings: Settings, trained: TrainedVersion) -> tuple[GateDecision, PairedComparison | None]:
    """The promotion decision for ``trained`` against the promoted version (paired DR on ``trained``'s test
    slice, which neither trained on) and its own baselines."""
    from models.artifacts import load_version
    from models.promotion import champion_gate, paired_dr

    champion = registry_call(settings, lambda r: r.promoted())
    comparison = None
    name = "the promoted version"
    if champion is not None and champion.version != trained.row.version:
        name = f"the promoted {champion.version}"
        comparison = paired_dr(trained.models, load_version(settings.data_dir / "models" / champion.path),
                               trained.split.test)
    return champion_gate(trained.metrics, comparison, name), comparison


def promote(settings: Settings, version: str) -> None:
    registry_call(settings, lambda r: r.promote(version))


@dataclass
class FloorRun:
    """What one run of the retrain-and-gate job did."""

    exported: int
    skipped: dict[str, int] = field(default_factory=dict)
    drift: tuple[str, ...] = ()
    """Fields over the drift threshold (checked only with ``if_drifted``)."""
    trained: TrainedVersion | None = None
    decision: GateDecision | None = None
    comparison: PairedComparison | None = None
    promoted: bool = False
    note: str = ""
    source: str = ""
    """What the version was trained on, in words (the live export alone, or on top of which history)."""
    shadow: ShadowVerdict | None = None
    """The shadowed candidate this run judged (or found still short of its prompts) instead of training."""
    shadowed: bool = False
    """The version trained by this run went into shadow instead of being promoted."""


@dataclass
class ShadowVerdict:
    """Where the candidate in shadow stands: judged once ``needed`` live decisions were logged since it entered."""

    version: str
    since: datetime
    prompts: int
    """Live decisions (closed contacts) logged since it entered shadow."""
    needed: int
    decision: GateDecision | None = None
    """None while ``prompts < needed``: not judged yet."""
    comparison: PairedComparison | None = None
    promoted: bool = False


def export_frame(settings: Settings, since: datetime | None = None) -> Any:
    """``assist.guidance.export.export_live`` on the configured database (a ``LiveExport``)."""
    from assist.guidance.export import export_live
    from assist.stores.sql import Database

    async def run() -> Any:
        db = Database(settings.resolved_database_url)
        try:
            await db.create_schema()
            return await export_live(db, since)
        finally:
            await db.close()

    return asyncio.run(run())


def _drifted(settings: Settings, recent: pd.DataFrame, threshold: float) -> tuple[str, ...] | None:
    """Fields of ``recent`` (history schema) over ``threshold`` against the promoted version; None without one."""
    from models.artifacts import load_metadata
    from models.context import served_history
    from models.drift import drift_report
    from models.features import feature_matrix

    champion = registry_call(settings, lambda r: r.promoted())
    if champion is None or len(recent) == 0:
        return None
    metadata = load_metadata(settings.data_dir / "models" / champion.path)
    config = metadata.get("config", {})
    if config.get("context", "full") == "served":
        recent = served_history(recent, config.get("crm_fields", ()))
    return drift_report(metadata["drift_profile"], feature_matrix(recent), threshold).alerts


def live_shortfall(frame: pd.DataFrame, config: TrainConfig, min_rows: int = MIN_LIVE_ROWS) -> str | None:
    """Why ``frame`` (the live export) is too small to train on alone, or None when it is enough: at least
    ``min_rows`` rows, and every catalog action logged often enough in the training part of its time split for
    its value model (``models.training.train`` refuses fewer than ``2 * min_child_samples``)."""
    from models.catalog import load_catalog
    from models.training import time_split

    if len(frame) < min_rows:
        return f"{len(frame):,} live decisions, fewer than {min_rows:,}"
    logged = time_split(frame, config.calibration_share, config.test_share).train["action"].astype(str)
    counts = logged.value_counts()
    need = 2 * config.min_child_samples
    short = [f"{a} ({int(counts.get(a, 0))})" for a in load_catalog().ids if counts.get(a, 0) < need]
    if short:
        return f"too few live decisions of {', '.join(short)}: each action needs {need} to train its value model"
    return None


def _world_history(settings: Settings) -> tuple[pd.DataFrame, str] | None:
    """The demo world's history (the world the demo model learns from), when the install allows synthetic data."""
    if not settings.demo_model:
        return None
    try:
        from assist.demo import DEMO_HISTORY_ROWS
        from simulator.world import generate_history
    except ImportError:
        return None
    world = 7  # ensure_demo_model's world, the one the demo customers come from
    return generate_history(world, DEMO_HISTORY_ROWS), f"the demo world's {DEMO_HISTORY_ROWS:,} contacts"


def _training_history(settings: Settings, live: pd.DataFrame, config: TrainConfig, base: pd.DataFrame | None,
                      min_live_rows: int) -> tuple[pd.DataFrame, str]:
    import pandas as pd

    if base is not None:
        return pd.concat([base, live], ignore_index=True), f"the base history ({len(base):,} rows) + " \
            f"{len(live):,} live decisions"
    shortfall = live_shortfall(live, config, min_live_rows)
    if shortfall is None:
        return live, f"the live export alone ({len(live):,} decisions)"
    world = _world_history(settings)
    if world is None:
        raise NoTrainingData(f"nothing to train on: the live export is too small to train on alone ({shortfall}), "
                             "and no other history is allowed (ASSIST_DEMO_MODEL=false or no simulator): pass "
                             "--base history.parquet, or let the floor collect more")
    history, name = world
    return pd.concat([history, live], ignore_index=True), f"{name} + {len(live):,} live decisions (the live " \
        f"export alone is too small: {shortfall})"


def enter_shadow(settings: Settings, version: str, prompts: int) -> None:
    """Put a registered ``version`` in shadow until ``prompts`` live decisions were logged from now."""
    from datetime import UTC

    note = {"shadow": {"prompts": prompts, "since": datetime.now(UTC).isoformat()}}
    registry_call(settings, lambda r: r.set_status(version, "shadow", note))


def judge_shadow(settings: Settings, force: bool = False) -> ShadowVerdict | None:
    """Judge the candidate in shadow (None when there is none) once enough live decisions were logged.

    A shadowed candidate is never shown; what it would have chosen is computed now from the context logged with
    each prompt since it entered shadow (the context it would have been served: its choice is a function of
    it), and its served policy is compared with the champion's by paired DR on those live decisions, logged
    with the champion's propensities (``models.promotion.paired_dr``). It is promoted if it passes
    ``champion_gate`` (its own baselines on its test slice, then the paired lower bound above zero), else it
    goes back to ``registered`` with the verdict in its metrics. ``force`` promotes it past the gate.
    """
    from models.artifacts import load_version
    from models.promotion import champion_gate, paired_dr

    candidate = registry_call(settings, lambda r: r.in_shadow())
    if candidate is None:
        return None
    plan = candidate.metrics.get("shadow", {})
    since = datetime.fromisoformat(str(plan.get("since") or candidate.created_at.isoformat()))
    live = export_frame(settings, since).frame
    verdict = ShadowVerdict(candidate.version, since, len(live), int(plan.get("prompts", 0)))
    if verdict.prompts < verdict.needed:
        return verdict
    champion = registry_call(settings, lambda r: r.promoted())
    name = "the promoted version"
    if champion is not None and len(live) >= 2:
        name = f"the promoted {champion.version}"
        root = settings.data_dir / "models"
        verdict.comparison = paired_dr(load_version(root / candidate.path), load_version(root / champion.path), live)
    verdict.decision = champion_gate(candidate.metrics, verdict.comparison, name)
    if verdict.decision.promote or force:
        promote(settings, candidate.version)
        verdict.promoted = True
        return verdict
    judged = {"prompts": verdict.prompts, "refusals": list(verdict.decision.refusals)}
    if verdict.comparison is not None:
        judged |= {"difference": verdict.comparison.difference, "lower": verdict.comparison.lower}
    note = {"shadow": {**plan, "judged": judged}}
    registry_call(settings, lambda r: r.set_status(candidate.version, "registered", note))
    return verdict


def retrain_from_floor(settings: Settings, config: TrainConfig, *, base: pd.DataFrame | None = None,
                       since: datetime | None = None, if_drifted: bool = False, threshold: float = 0.2,
                       force: bool = False, progress: Callable[[str], None] | None = None,
                       min_live_rows: int = MIN_LIVE_ROWS, shadow: int = 0) -> FloorRun:
    """The job: export the floor's decisions, train on them (after ``base`` when given), gate, promote.

    Without ``base`` it trains on the live export alone when that is enough (``live_shortfall``), else on the
    demo world's history plus the export, when synthetic data is allowed (``settings.demo_model``), else raises
    ``NoTrainingData``; ``FloorRun.source`` says which. With ``if_drifted`` it stops after the export unless the
    live contexts drifted past ``threshold`` from the promoted version's training data (or nothing is promoted).
    The export is kept in ``<data_dir>/floor/live-<time>.parquet`` for the record. ``force`` promotes past the
    gate.

    With ``shadow`` N > 0 and a champion to compare with, a new version that beats its own baselines is not
    promoted but put in shadow (``enter_shadow``) and judged by a later run after N live decisions
    (``judge_shadow``); while a candidate is in shadow, a run judges it (or says how far it is) and trains nothing.
    """
    from simulator.world.schema import write_history

    if shadow > 0 and (verdict := judge_shadow(settings, force)) is not None:
        run = FloorRun(verdict.prompts, shadow=verdict, promoted=verdict.promoted)
        if verdict.decision is None:
            run.note = (f"{verdict.version} is in shadow: {verdict.prompts:,} of {verdict.needed:,} live decisions "
                        f"logged since {verdict.since:%Y-%m-%d %H:%M}; judged when they are, nothing retrained")
        return run
    export = export_frame(settings, since)
    run = FloorRun(len(export.frame), dict(export.skipped))
    if if_drifted:
        drift = _drifted(settings, export.frame, threshold)
        run.drift = drift or ()
        if drift is not None and not drift:
            run.note = f"no field drifted past {threshold} over {run.exported:,} live rows: nothing retrained"
            return run
    folder = settings.data_dir / "floor"
    folder.mkdir(parents=True, exist_ok=True)
    write_history(export.frame, folder / f"live-{time.strftime('%Y%m%d-%H%M%S')}.parquet")
    history, run.source = _training_history(settings, export.frame, config, base, min_live_rows)
    run.trained = train_version(settings, history, config, progress=progress, truth=False)
    if shadow > 0 and not force and registry_call(settings, lambda r: r.promoted()) is not None:
        from models.promotion import promotion_gate

        run.decision = promotion_gate(run.trained.metrics)  # its own baselines first: no shadow for a loser
        if run.decision.promote:
            enter_shadow(settings, run.trained.row.version, shadow)
            run.shadowed = True
            run.note = (f"{run.trained.row.version} is in shadow: scored on live contexts, not shown; judged "
                        f"against the champion after {shadow:,} live decisions (run retrain-live again)")
        return run
    run.decision, run.comparison = gate(settings, run.trained)
    if run.decision.promote or force:
        promote(settings, run.trained.row.version)
        run.promoted = True
    return run


class DriftRetrainer:
    """Starts the retrain-and-gate job (in a thread, one at a time) when the served traffic drifted."""

    def __init__(self, settings: Settings, config: TrainConfig | None = None) -> None:
        from models.training import TrainConfig

        self.settings = settings
        self.config = config or TrainConfig()
        self.last: FloorRun | None = None
        self._thread: threading.Thread | None = None

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def on_drift(self, fields: tuple[str, ...]) -> bool:
        """Start the job for a drift alert on ``fields``; False when one is running already."""
        if self.running:
            return False
        log.warning("drift over threshold: retrain-and-gate job started", extra={"fields": list(fields)})
        self._thread = threading.Thread(target=self._run, name="floor-retrain", daemon=True)
        self._thread.start()
        return True

    def join(self, timeout: float | None = None) -> None:
        if self._thread is not None:
            self._thread.join(timeout)

    def _run(self) -> None:
        try:
            self.last = retrain_from_floor(self.settings, self.config)
        except NoTrainingData as exc:
            log.warning("retrain-and-gate job: %s; the promoted version stays", exc)
            return
        except Exception:  # noqa: BLE001 - a failed job leaves the champion serving; it is logged
            log.exception("retrain-and-gate job failed; the promoted version stays")
            return
        run = self.last
        log.info("retrain-and-gate job done", extra={
            "model_version": run.trained.row.version if run.trained else None, "promoted": run.promoted,
            "refusals": list(run.decision.refusals) if run.decision else []})

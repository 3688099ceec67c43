"""``assist models ...``: train, evaluate, promote, rollback, list, drift, retrain, import-kb.

Training and evaluation are ``models`` (pure); what touches the SQL registry or the data dir is here.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any, TypeVar

from assist.guidance.registry import ModelRegistry
from assist.settings import Settings

T = TypeVar("T")

__all__ = ["register"]


def _registry_call(settings: Settings, work: Callable[[ModelRegistry], Awaitable[T]]) -> T:
    from assist.stores.sql import Database

    async def run() -> T:
        db = Database(settings.resolved_database_url)
        try:
            await db.create_schema()
            return await work(ModelRegistry(db, settings.data_dir / "models"))
        finally:
            await db.close()

    return asyncio.run(run())


def _read(path: str) -> Any:
    from simulator.world.schema import read_history

    return read_history(path)


def _train_version(args: argparse.Namespace, settings: Settings) -> tuple[Any, dict[str, Any]]:
    """Train on ``args.data``, save the version with its report, register it; returns (registry row, metrics)."""
    from models.artifacts import save_version
    from models.report import write_report
    from models.training import TrainConfig, train

    history = _read(args.data)
    config = TrainConfig(n_estimators=args.trees, seed=args.seed)
    models, split = train(history, config)
    path = save_version(models, settings.data_dir / "models")
    metrics = write_report(models, split, args.report or path / "report")
    if _truth_available():
        from simulator.policy_eval import policy_table, render_table

        table = policy_table(models, split.test)
        report = Path(args.report or path / "report")
        (report / "policy_value.md").write_text(render_table(table))
        print(render_table(table))
    print(json.dumps({"version": path.name, "off_policy": metrics["off_policy"]}, indent=1))
    version = _registry_call(settings, lambda r: r.register(path, _small(metrics)))
    print(f"registered {version.version}; report in {path}/report")
    return version, metrics


def _gate_and_promote(settings: Settings, version: Any, metrics: dict[str, Any], force: bool) -> bool:
    """Promote ``version`` if it passes the promotion gate (or ``force``); says why not. Returns promoted."""
    from models.promotion import promotion_gate

    champion = _registry_call(settings, lambda r: r.promoted())
    decision = promotion_gate(metrics, champion.metrics if champion is not None else None,
                              f"the promoted {champion.version}" if champion is not None else "")
    if not decision.promote and not force:
        print(f"not promoted: {version.version} does not beat what it would replace: "
              + "; ".join(decision.refusals) + " (--force promotes it anyway)", file=sys.stderr)
        return False
    _registry_call(settings, lambda r: r.promote(version.version))
    forced = "" if decision.promote else " past the gate (--force): " + "; ".join(decision.refusals)
    print(f"promoted {version.version}{forced}")
    return True


def _train(args: argparse.Namespace) -> int:
    """Train and register; with --promote, serve it only if it passes the gate (exit 1 when refused)."""
    settings = Settings()
    version, metrics = _train_version(args, settings)
    if args.promote and not _gate_and_promote(settings, version, metrics, args.force):
        return 1
    return 0


def _small(metrics: dict[str, Any]) -> dict[str, Any]:
    return {k: metrics[k] for k in ("value_rmse", "resolution", "off_policy") if k in metrics}


def _truth_available() -> bool:
    try:
        import simulator.policy_eval  # noqa: F401
    except ImportError:
        return False
    return True


def _evaluate(args: argparse.Namespace) -> int:
    from models.artifacts import load_version
    from models.catalog import load_catalog
    from models.report import logged_policy_values, policy_actions

    settings = Settings()
    version = args.version or _registry_call(settings, lambda r: r.promoted())
    if version is None:
        raise ValueError("no version given and none promoted")
    name = version if isinstance(version, str) else version.version
    models = load_version(settings.data_dir / "models" / name)
    test = _read(args.data)
    catalog = load_catalog()
    rows = logged_policy_values(models, test, catalog, policy_actions(models, test, catalog))
    for row in rows:
        print(f"{row['policy']:<28} IPS {row['ips']:.4f}  SNIPS {row['snips']:.4f}  DR {row['dr']:.4f}")
    if _truth_available() and not args.logged_only:
        from simulator.policy_eval import policy_table, render_table

        print(render_table(policy_table(models, test, catalog)))
    return 0


def _promote(args: argparse.Namespace) -> int:
    row = _registry_call(Settings(), lambda r: r.promote(args.version))
    print(f"promoted {row.version}")
    return 0


def _rollback(args: argparse.Namespace) -> int:
    row = _registry_call(Settings(), lambda r: r.rollback())
    print(f"rolled back to {row.version}")
    return 0


def _list(args: argparse.Namespace) -> int:
    for row in _registry_call(Settings(), lambda r: r.list()):
        dr = {o["policy"]: o["dr"] for o in row.metrics.get("off_policy", [])}
        learned = dr.get("learned", float("nan"))
        print(f"{row.version}  {row.status:<10}  data {row.data_hash[:12]}  DR learned {learned:.4f}")
    return 0


def _drift(args: argparse.Namespace) -> int:
    from models.artifacts import load_metadata
    from models.drift import drift_report
    from models.features import feature_matrix

    settings = Settings()
    promoted = args.version or _registry_call(settings, lambda r: r.promoted())
    if promoted is None:
        raise ValueError("no version given and none promoted")
    name = promoted if isinstance(promoted, str) else promoted.version
    profile = load_metadata(settings.data_dir / "models" / name)["drift_profile"]
    report = drift_report(profile, feature_matrix(_read(args.data)), args.threshold)
    print(report.to_markdown())
    return 1 if report.alerts else 0


def _retrain(args: argparse.Namespace) -> int:
    """Train on new data and promote it if it passes the gate; keeping the promoted version is a normal end."""
    settings = Settings()
    version, metrics = _train_version(args, settings)
    _gate_and_promote(settings, version, metrics, args.force)
    return 0


def _import_kb(args: argparse.Namespace) -> int:
    from models.knowledge import import_folder

    target = Settings().data_dir / "knowledge"
    print(f"imported {import_folder(args.folder, target)} articles into {target}")
    return 0


def register(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """Add ``assist models ...`` to the ``assist`` command line."""
    models = subparsers.add_parser("models", help="next-best-action models: train, evaluate, registry, drift")
    sub = models.add_subparsers(dest="models_command", required=True)
    for name, handler, doc in (("train", _train, "train from a history file and register the version"),
                               ("retrain", _retrain, "train, and promote if it passes the promotion gate")):
        p = sub.add_parser(name, help=doc)
        p.add_argument("--data", required=True, help="history in the import schema (.parquet or .csv)")
        p.add_argument("--report", help="report folder (default: <version>/report)")
        p.add_argument("--trees", type=int, default=150)
        p.add_argument("--seed", type=int, default=0)
        p.add_argument("--promote", action="store_true",
                       help="serve it if it beats its own baselines and the promoted version (exit 1 if not)")
        p.add_argument("--force", action="store_true", help="promote even if it does not pass the gate")
        p.set_defaults(handler=handler)
    p = sub.add_parser("evaluate", help="off-line policy values (IPS/SNIPS/DR; truth when simulated)")
    p.add_argument("--data", required=True)
    p.add_argument("--version")
    p.add_argument("--logged-only", action="store_true")
    p.set_defaults(handler=_evaluate)
    p = sub.add_parser("promote", help="serve a version (workers reload it within seconds)")
    p.add_argument("version")
    p.set_defaults(handler=_promote)
    sub.add_parser("rollback", help="serve the previously promoted version again").set_defaults(handler=_rollback)
    sub.add_parser("list", help="registered versions").set_defaults(handler=_list)
    p = sub.add_parser("drift", help="PSI of a recent traffic sample against the training data (exit 1 on alert)")
    p.add_argument("--data", required=True, help="recent contacts in the history schema")
    p.add_argument("--version")
    p.add_argument("--threshold", type=float, default=0.2)
    p.set_defaults(handler=_drift)
    p = sub.add_parser("import-kb", help="import a folder of Markdown articles")
    p.add_argument("folder")
    p.set_defaults(handler=_import_kb)

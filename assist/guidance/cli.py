"""``assist models ...``: train, evaluate, promote, rollback, list, drift, retrain, export-live, retrain-live,
import-kb, import-intents, import-temperaments.

Training and evaluation are ``models`` (pure); what touches the SQL registry or the data dir is here.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from assist.guidance.registry import ModelRegistry
from assist.settings import Settings

if TYPE_CHECKING:
    from assist.guidance.intents import ImportedLines

T = TypeVar("T")

__all__ = ["register"]


def _registry_call(settings: Settings, work: Callable[[ModelRegistry], Awaitable[T]]) -> T:
    from assist.guidance.floor import registry_call

    return registry_call(settings, work)


def _read(path: str) -> Any:
    from simulator.world.schema import read_history

    return read_history(path)


def _config(args: argparse.Namespace) -> Any:
    """The training configuration: temperament is detected from words at the threshold this service serves it
    (``ASSIST_TEMPERAMENT_THRESHOLD``) unless ``--no-temperament-detection``."""
    from models.training import TrainConfig

    detect = not getattr(args, "no_temperament_detection", False)
    return TrainConfig(n_estimators=args.trees, seed=args.seed, crm_fields=tuple(args.crm_fields),
                       temperament_threshold=Settings().temperament_threshold if detect else None,
                       temperament_memory=Settings().temperament_memory)


def _bar(desc: str, total: int) -> Any:
    from tqdm import tqdm

    return tqdm(total=total, desc=desc, unit="step", file=sys.stderr,
                bar_format="{desc}: {bar:24} {n_fmt}/{total_fmt} [{elapsed}] {postfix}")


def _train_version(args: argparse.Namespace, settings: Settings) -> Any:
    """Train on ``args.data``, save the version with its report, register it; returns the ``TrainedVersion``.

    A progress bar on stderr names each step as it finishes; stdout gets the summary (``_summary``).
    """
    from assist.guidance.floor import train_steps, train_version, truth_available

    truth = truth_available()
    started = time.monotonic()
    with _bar("assist models train", train_steps(truth) + 1) as bar:

        def done(step: str) -> None:
            bar.set_postfix_str(step, refresh=False)
            bar.update(1)

        history = _read(args.data)
        done(f"read {len(history):,} rows")
        trained = train_version(settings, history, _config(args), Path(args.report) if args.report else None,
                                done, truth)
    print(_summary(trained.row.version, len(history), trained.metrics, trained.table, time.monotonic() - started,
                   trained.report))
    return trained


def _text_table(header: list[str], rows: list[list[str]]) -> list[str]:
    """Columns padded to their widest cell; the first column left-aligned, the others right-aligned."""
    widths = [max(len(r[i]) for r in (header, *rows)) for i in range(len(header))]

    def line(cells: list[str]) -> str:
        padded = (c.ljust(w) if i == 0 else c.rjust(w) for i, (c, w) in enumerate(zip(cells, widths, strict=True)))
        return "  ".join(padded)

    return [line(header), "  ".join("-" * w for w in widths), *(line(r) for r in rows)]


def _summary(version: str, rows: int, metrics: dict[str, Any], table: Any, seconds: float, report: Path) -> str:
    """What a training run ends with: the version, the policy values with their 95 % intervals (against the
    truth when the data is simulated), the models' fit, and where the full report is."""
    z = 1.959964
    test = metrics["rows"]["test"]
    lines = [f"registered {version}: trained on {rows:,} rows in {seconds:.0f} s", "",
             f"Policy value on the newest {test:,} rows (never trained on), estimates with 95 % intervals:"]
    if table is not None:
        def estimate(value: float | None, stderr: float | None) -> str:
            return "" if value is None or stderr is None else f"{value:.4f} ± {z * stderr:.4f}"

        lines += _text_table(["policy", "true value as served", "regret", "IPS", "DR"],
                             [[r.policy, f"{r.true_value:.4f}", f"{r.regret:.4f}", estimate(r.ips, r.ips_stderr),
                               estimate(r.dr, r.dr_stderr)] for r in table])
    else:
        lines += _text_table(["policy", "IPS", "SNIPS", "DR", "matched rows"],
                             [[o["policy"], f"{o['ips']:.4f} ± {z * o['ips_stderr']:.4f}", f"{o['snips']:.4f}",
                               f"{o['dr']:.4f} ± {z * o['stderr']:.4f}", f"{o['matched']:,}"]
                              for o in metrics["off_policy"]])
    rmse, confidence = metrics["value_rmse"], metrics["resolution"]["lightgbm calibrated"]
    lines += ["", f"value models   reward RMSE {rmse['lightgbm']:.4f} (logistic baseline "
                  f"{rmse['logistic baseline']:.4f}, a constant {rmse['constant']:.4f})",
              f"confidence     AUC {confidence['auc']:.3f}, Brier {confidence['brier']:.4f}, "
              f"ECE {confidence['ece']:.4f} (LightGBM + isotonic)",
              f"report         {report}/report.md"]
    return "\n".join(lines)


def _gate_and_promote(settings: Settings, trained: Any, force: bool) -> bool:
    """Promote ``trained`` if it passes the promotion gate (or ``force``); says why not. Returns promoted."""
    from assist.guidance.floor import gate

    decision, comparison = gate(settings, trained)
    return _promote_or_say_why(settings, trained.row.version, decision, comparison, force)


def _promote_or_say_why(settings: Settings, version: str, decision: Any, comparison: Any, force: bool,
                        promoted: bool = False) -> bool:
    if comparison is not None:
        print(f"paired DR against the champion on {comparison.rows:,} rows: {comparison.challenger:.4f} vs "
              f"{comparison.champion:.4f}, difference {comparison.difference:+.4f} ± "
              f"{1.959964 * comparison.stderr:.4f} (lower 95 % bound {comparison.lower:+.4f})")
    if not decision.promote and not force:
        print(f"not promoted: {version} does not beat what it would replace: "
              + "; ".join(decision.refusals) + " (--force promotes it anyway)", file=sys.stderr)
        return False
    if not promoted:
        from assist.guidance.floor import promote

        promote(settings, version)
    forced = "" if decision.promote else " past the gate (--force): " + "; ".join(decision.refusals)
    print(f"promoted {version}{forced}")
    return True


def _train(args: argparse.Namespace) -> int:
    """Train and register; with --promote, serve it only if it passes the gate (exit 1 when refused)."""
    settings = Settings()
    trained = _train_version(args, settings)
    if args.promote and not _gate_and_promote(settings, trained, args.force):
        return 1
    return 0


def _evaluate(args: argparse.Namespace) -> int:
    from assist.guidance.floor import truth_available
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
    served = models.as_served(test)
    rows = logged_policy_values(models, served, catalog, policy_actions(models, served, catalog))
    for row in rows:
        print(f"{row['policy']:<28} IPS {row['ips']:.4f}  SNIPS {row['snips']:.4f}  DR {row['dr']:.4f}")
    if truth_available() and not args.logged_only:
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
    from models.context import served_history
    from models.drift import drift_report
    from models.features import feature_matrix

    settings = Settings()
    promoted = args.version or _registry_call(settings, lambda r: r.promoted())
    if promoted is None:
        raise ValueError("no version given and none promoted")
    name = promoted if isinstance(promoted, str) else promoted.version
    metadata = load_metadata(settings.data_dir / "models" / name)
    config = metadata.get("config", {})
    recent = _read(args.data)
    if config.get("context", "full") == "served":  # compare like with like: the profile is of served contexts
        recent = served_history(recent, config.get("crm_fields", ()))
    report = drift_report(metadata["drift_profile"], feature_matrix(recent), args.threshold)
    print(report.to_markdown())
    return 1 if report.alerts else 0


def _retrain(args: argparse.Namespace) -> int:
    """Train on new data and promote it if it passes the gate; keeping the promoted version is a normal end."""
    settings = Settings()
    _gate_and_promote(settings, _train_version(args, settings), args.force)
    return 0


def _since(text: str) -> datetime:
    try:
        when = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"not an ISO 8601 time: {text!r}") from exc
    return when if when.tzinfo else when.replace(tzinfo=UTC)


def _export_live(args: argparse.Namespace) -> int:
    """Write the floor's decisions (shown prompts, propensities, outcomes) as a history file."""
    from assist.guidance.floor import export_frame
    from simulator.world.schema import write_history

    export = export_frame(Settings(), args.since)
    path = write_history(export.frame, args.out)
    print(f"wrote {len(export.frame):,} decisions to {path}")
    for why, n in sorted(export.skipped.items()):
        print(f"left out {n:,}: {why}")
    return 0


def _retrain_live(args: argparse.Namespace) -> int:
    """The retrain-and-gate job on the live export (alone, after --base, or after the demo world's history when
    the export is too small), optionally only on drift; exit 2 when there is nothing to train on."""
    from assist.guidance.floor import NoTrainingData, retrain_from_floor, train_steps

    settings = Settings()
    base = _read(args.base) if args.base else None
    with _bar("assist models retrain-live", train_steps(False)) as bar:

        def done(step: str) -> None:
            bar.set_postfix_str(step, refresh=False)
            bar.update(1)

        try:
            run = retrain_from_floor(settings, _config(args), base=base, since=args.since,
                                     if_drifted=args.if_drifted, threshold=args.threshold, force=args.force,
                                     progress=done, shadow=args.shadow)
        except NoTrainingData as exc:
            bar.close()
            print(f"not retrained: {exc}", file=sys.stderr)
            return 2
    if (verdict := run.shadow) is not None:
        if verdict.decision is None:
            print(run.note)
            return 0
        print(f"shadow of {verdict.version}: judged on {verdict.prompts:,} live decisions logged since "
              f"{verdict.since:%Y-%m-%d %H:%M}")
        _promote_or_say_why(settings, verdict.version, verdict.decision, verdict.comparison, args.force,
                            verdict.promoted)
        return 0
    print(f"exported {run.exported:,} live decisions" + (f"; drifted: {', '.join(run.drift)}" if run.drift else ""))
    if run.trained is None or run.decision is None:
        print(run.note)
        return 0
    print(f"trained on {run.source}")
    if run.shadowed:
        print(run.note)
        return 0
    _promote_or_say_why(settings, run.trained.row.version, run.decision, run.comparison, args.force, run.promoted)
    return 0


def _import_kb(args: argparse.Namespace) -> int:
    from models.knowledge import import_folder

    target = Settings().data_dir / "knowledge"
    print(f"imported {import_folder(args.folder, target)} articles into {target}")
    return 0


def _import_intents(args: argparse.Namespace) -> int:
    from assist.guidance.intents import import_intents

    return _import_lines(lambda: import_intents(Path(args.csv), Settings()), "utterances")


def _import_temperaments(args: argparse.Namespace) -> int:
    from assist.guidance.temperaments import import_temperaments

    return _import_lines(lambda: import_temperaments(Path(args.csv), Settings()), "lines")


def _import_lines(run: Callable[[], ImportedLines], noun: str) -> int:
    """Run an import of a center's labelled lines and print what it installed and how well they are learned."""
    try:
        report = run()
    except (OSError, ValueError) as exc:
        print(f"not imported: {exc}", file=sys.stderr)
        return 2
    per_label = ", ".join(f"{label} {n}" for label, n in report.labels.items())
    print(f"imported {report.lines} {noun} into {report.path} ({per_label})")
    print(f"accuracy on your lines, each predicted without training on it: {report.cross_validated:.1%}")
    print(f"accuracy on the built-in held-out paraphrases, trained with yours: {report.held_out:.1%}")
    return 0


def _crm_fields(text: str) -> tuple[str, ...]:
    from models.context import CRM_FIELDS

    fields = tuple(f.strip() for f in text.split(",") if f.strip())
    if unknown := [f for f in fields if f not in CRM_FIELDS]:
        raise argparse.ArgumentTypeError(f"not CRM fields: {', '.join(unknown)} (of: {', '.join(CRM_FIELDS)})")
    return fields


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
        p.add_argument("--crm-fields", type=_crm_fields, default=(), metavar="FIELD,...",
                       help="context fields your CRM sends on every live contact (of: plan, temperament, "
                            "prior_contacts_30d, order_value, wait_seconds, open_complaint); the others are "
                            "unknown when served, so training hides them too")
        p.add_argument("--no-temperament-detection", action="store_true",
                       help="train as if the service did not read temperament from the customer's words: "
                            "unknown unless the CRM sends it (default: detected, drawn from the classifier's "
                            "held-out errors at ASSIST_TEMPERAMENT_THRESHOLD)")
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
    p = sub.add_parser("export-live", help="live prompts, propensities and outcomes as a history file")
    p.add_argument("--out", required=True, help="history file to write (.parquet or .csv)")
    p.add_argument("--since", type=_since, help="only prompts shown from this time (ISO 8601, UTC if no zone)")
    p.set_defaults(handler=_export_live)
    p = sub.add_parser("retrain-live", help="the retrain-and-gate job: export live, train, gate, promote")
    p.add_argument("--base", help="history to train on before the live export (.parquet or .csv); without it, "
                                  "the export alone when it is large enough, else the demo world's history first "
                                  "(unless ASSIST_DEMO_MODEL=false)")
    p.add_argument("--since", type=_since, help="only live prompts shown from this time")
    p.add_argument("--if-drifted", action="store_true",
                   help="only if the live contexts drifted past --threshold from the promoted version's data")
    p.add_argument("--threshold", type=float, default=0.2)
    p.add_argument("--trees", type=int, default=150)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--crm-fields", type=_crm_fields, default=(), metavar="FIELD,...")
    p.add_argument("--force", action="store_true", help="promote even if it does not pass the gate")
    p.add_argument("--shadow", type=int, default=0, metavar="N",
                   help="serve a new version in shadow first (scored on live contexts, not shown) and judge it "
                        "against the champion by paired DR on the next N live decisions; while one is in shadow, "
                        "a run judges it instead of training")
    p.set_defaults(handler=_retrain_live)
    p = sub.add_parser("import-kb", help="import a folder of Markdown articles")
    p.add_argument("folder")
    p.set_defaults(handler=_import_kb)
    p = sub.add_parser("import-intents", help="train intent detection on your labelled utterances too "
                                              "(a CSV with columns text,intent; replaces an earlier import)")
    p.add_argument("csv")
    p.set_defaults(handler=_import_intents)
    p = sub.add_parser("import-temperaments", help="train temperament detection on your labelled customer lines too "
                                                   "(a CSV with columns text,temperament, e.g. the words of customers "
                                                   "whose CRM sends their temperament; replaces an earlier import)")
    p.add_argument("csv")
    p.set_defaults(handler=_import_temperaments)

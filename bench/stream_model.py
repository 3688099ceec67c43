"""The model ``stream_bench.py --guidance model`` serves: the demo model, trained and promoted as ``make run`` does.

``bench_model`` trains it once (``assist.demo.ensure_demo_model``: the demo world's history, the demo's training
settings, the promotion gate) into ``bench/out/stream-model/`` and reuses it afterwards; a gate refusal stops the
bench (a refused model is never served, so there would be nothing to measure). ``install`` copies that version
into a scenario's data folder and registers and promotes it in the scenario's database through the service's
own registry, so the service loads it at startup exactly as a promoted version (``ModelWatcher.start``).
"""

from __future__ import annotations

import shutil
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from models.scorer import Scorer

ROOT = Path(__file__).resolve().parent.parent
CACHE = ROOT / "bench" / "out" / "stream-model"


@dataclass(frozen=True)
class BenchModel:
    version: str
    path: Path
    """The version's directory in the cache (``models.artifacts`` layout)."""
    trained_s: float | None
    """Seconds it took to train now; None when reused."""


def _settings(data_dir: Path, database_url: str | None = None) -> object:
    from assist.settings import Settings

    return Settings(data_dir=data_dir, database_url=database_url or f"sqlite:///{data_dir.resolve() / 'assist.db'}",
                    environment="test")


def bench_model(log: Callable[[str], None], cache: Path = CACHE) -> BenchModel:
    """The cached promoted demo model, trained (about a minute) when there is none. Raises RuntimeError when
    the promotion gate refuses it."""
    from assist.demo import ensure_demo_model

    cache.mkdir(parents=True, exist_ok=True)
    settings = _settings(cache)
    started = time.perf_counter()
    log(f"model: the demo model from {cache.relative_to(ROOT)} (trained there when missing)")
    model = ensure_demo_model(settings)  # type: ignore[arg-type]
    if not model.promoted:
        raise RuntimeError(f"the promotion gate refused the demo model {model.version}: {'; '.join(model.refusals)}")
    return BenchModel(model.version, cache / "models" / model.version,
                      round(time.perf_counter() - started, 1) if model.trained else None)


async def install(model: BenchModel, data_dir: Path, database_url: str) -> None:
    """Copy ``model`` into ``data_dir/models`` and promote it in ``database_url`` (schema already created)."""
    from assist.guidance.registry import ModelRegistry
    from assist.stores.sql import Database

    root = data_dir / "models"
    root.mkdir(parents=True, exist_ok=True)
    shutil.copytree(model.path, root / model.path.name)
    db = Database(database_url)
    try:
        registry = ModelRegistry(db, root)
        await registry.register(root / model.path.name)
        await registry.promote(model.version)
    finally:
        await db.close()


def event_context(text: str) -> tuple[dict[str, Any], dict[str, Any]]:
    """The model's input at accept and at the timed event: the bench's customer on a refund chat, before and
    after saying ``text``."""
    from assist.customers.schemas import CustomerView
    from assist.guidance.interface import GuidanceInput
    from assist.guidance.model import journey_context, temperament_detector
    from assist.journeys.state import JourneyState

    temperament_detector().classifier()
    customer = CustomerView(id="C-bench", segment="premium", tenure_months=60, lifetime_value=3200, churn_risk=0.62,
                            vulnerable=False, consent={"service": True, "profiling": True, "marketing": True})
    journey = JourneyState(id="J-bench", customer_id="C-bench", reason="refund", channels=["chat"])
    before = journey_context(GuidanceInput(journey=journey, customer=customer, channel="chat"))
    journey.say("chat", "customer", text)
    after = journey_context(GuidanceInput(journey=journey, customer=customer, channel="chat",
                                          latest=journey.transcript[-1]))
    return before, after


def isolated_score_explain(model: BenchModel, text: str, calls: int = 1000,
                           scorer: Scorer | None = None) -> dict[str, float]:
    """CPU of ``Scorer.suggest`` alone (score + TreeSHAP + reasons, no memo) on the timed event's context
    (``event_context``; the accept's prompt already shown, as in the service): mean process CPU per call and
    the median call's thread CPU, in ms, over ``calls`` calls in this process."""
    import statistics

    from models.scorer import Scorer

    scorer = scorer or Scorer.load(model.path)
    at_accept, context = event_context(text)
    shown = frozenset(s.action for s in scorer.suggest(at_accept))  # the accept's prompt
    per_call = []
    for _ in range(50):
        scorer.suggest(context, exclude=shown)
    started = time.process_time()
    for _ in range(calls):
        t0 = time.thread_time()
        scorer.suggest(context, exclude=shown)
        per_call.append(time.thread_time() - t0)
    mean = (time.process_time() - started) / calls
    return {"cpu_ms_mean": round(mean * 1000, 3), "cpu_ms_p50": round(statistics.median(per_call) * 1000, 3),
            "calls": calls}


def agent_words_cpu(model: BenchModel, memo: bool, journeys: int = 300) -> float:
    """Mean CPU ms of ``ModelGuidance.evaluate`` on the agent's words that follow the customer's (a fresh journey
    each time, the customer's event guided first, untimed): with ``memo`` the model's input is the one the
    customer's event left, so its scores and TreeSHAP rows are reused and only the newly shown action is
    explained."""
    from assist.customers.schemas import CustomerView
    from assist.guidance.interface import GuidanceInput
    from assist.guidance.model import ModelGuidance
    from assist.guidance.rules import RuleGuidance
    from assist.journeys.state import JourneyState
    from models.scorer import Scorer

    guidance = ModelGuidance(RuleGuidance(), Scorer.load(model.path), knowledge_dirs=[],
                             memo_journeys=2048 if memo else 0)
    customer = CustomerView(id="C-bench", segment="premium", tenure_months=60, lifetime_value=3200, churn_risk=0.62,
                            vulnerable=False, consent={"service": True, "profiling": True, "marketing": True})
    spent = 0.0
    for i in range(journeys):
        journey = JourneyState(id=f"J-{i}", customer_id="C-bench", reason="refund", channels=["chat"])
        journey.say("chat", "customer", "This is ridiculous, I am furious!")
        for speaker in ("customer", "agent"):
            if speaker == "agent":
                journey.say("chat", "agent", "Let me check that order for you now.")
            given = GuidanceInput(journey=journey, customer=customer, channel="chat", latest=journey.transcript[-1],
                                  already_shown=journey.shown_in("S"))
            started = time.process_time()
            prompts = guidance.evaluate(given)
            if speaker == "agent":
                spent += time.process_time() - started
            journey.record_shown("S", [p.action for p in prompts])
    return round(spent / journeys * 1000, 3)


def main() -> None:
    """``python bench/stream_model.py``: the isolated score+explain with LightGBM's single-row entry point
    (``models.row_predict``, as served) and through ``Booster.predict`` (as before it), alternating rounds; then
    the guidance of an agent's words with the event path's memo on and off (``agent_words_cpu``)."""
    import os

    from models.scorer import Scorer

    model = bench_model(print)
    fast = Scorer.load(model.path)
    slow = Scorer.load(model.path)
    slow._rank_row, slow._contrib_rows, slow._resolve_row = None, {}, None
    text = "This is ridiculous, I am furious!"
    rounds: dict[str, list[float]] = {"row predictor": [], "Booster.predict": []}
    for _ in range(5):
        for name, scorer in (("row predictor", fast), ("Booster.predict", slow)):
            rounds[name].append(isolated_score_explain(model, text, 500, scorer)["cpu_ms_mean"])
    best = {name: min(values) for name, values in rounds.items()}
    print(f"isolated score+explain, CPU ms per call (best of 5 rounds of 500): {best}; Booster.predict / row "
          f"predictor = {best['Booster.predict'] / best['row predictor']:.2f}x; load average {os.getloadavg()[0]:.2f}")
    words = {"memo on": [], "memo off": []}
    for _ in range(3):
        for name in words:
            words[name].append(agent_words_cpu(model, name == "memo on"))
    least = {name: min(values) for name, values in words.items()}
    print(f"ModelGuidance.evaluate on the agent's words after the customer's, CPU ms (best of 3 rounds of 300 "
          f"journeys): {least}; off / on = {least['memo off'] / least['memo on']:.2f}x; "
          f"load average {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()

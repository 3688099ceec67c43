"""Cost of exploration per request: ``Scorer.suggest`` with exploration off, epsilon-greedy and softmax
(the small test model, 300 contexts of world 3; prints p50/p99).

    PYTHONPATH=. .venv/bin/python bench/exploration_bench.py
"""

from __future__ import annotations

import time

import numpy as np

from models.exploration import Exploration
from models.features import context_row
from models.scorer import Scorer
from tests.models.trained import small_history, small_model

SETTINGS = (("off", Exploration()), ("epsilon 0.05", Exploration("epsilon", 0.05)),
            ("softmax 0.05", Exploration("softmax", temperature=0.05)))


def main() -> None:
    scorer = Scorer(small_model()[0])
    history = small_history()
    rng = np.random.default_rng(0)
    contexts = [context_row(history, i) for i in range(300)]
    for name, exploration in SETTINGS:
        for context in contexts[:50]:
            scorer.suggest(context, exploration=exploration, rng=rng)
        took = []
        for context in contexts:
            started = time.perf_counter()
            scorer.suggest(context, exploration=exploration, rng=rng)
            took.append(time.perf_counter() - started)
        print(f"{name:14s} suggest p50 {np.percentile(took, 50) * 1e3:.2f} ms  "
              f"p99 {np.percentile(took, 99) * 1e3:.2f} ms")


if __name__ == "__main__":
    main()

"""Stable assignment: the same unit gets the same arm in any process, and the split follows the weights."""

from __future__ import annotations

import math
import subprocess
import sys

from assist.experiments.assignment import arm_for, bucket
from assist.experiments.schemas import Arm

ARMS = [Arm(name="control", kind="rules", weight=1, control=True), Arm(name="model", kind="model", weight=3)]


def test_the_same_unit_gets_the_same_arm_every_time():
    first = [arm_for("X-1", f"A{i}", ARMS).name for i in range(500)]
    again = [arm_for("X-1", f"A{i}", ARMS).name for i in range(500)]
    assert first == again
    assert set(first) == {"control", "model"}


def test_another_process_with_another_hash_seed_assigns_the_same_arms():
    # Python's own hash() is salted per process: a worker restarted with another seed must still agree
    code = ("from assist.experiments.assignment import arm_for; from assist.experiments.schemas import Arm;"
            "arms=[Arm(name='control', kind='rules', weight=1), Arm(name='model', kind='model', weight=3)];"
            "print(','.join(arm_for('X-1', f'A{i}', arms).name for i in range(200)))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                         env={"PYTHONHASHSEED": "12345", "PATH": ""}, cwd=".")
    assert out.stdout.strip().split(",") == [arm_for("X-1", f"A{i}", ARMS).name for i in range(200)]


def test_another_experiment_draws_the_units_afresh():
    one = [arm_for("X-1", f"A{i}", ARMS).name for i in range(400)]
    two = [arm_for("X-2", f"A{i}", ARMS).name for i in range(400)]
    assert one != two


def test_the_split_matches_the_weights_within_a_binomial_bound():
    arms = [Arm(name="a", kind="rules", weight=1), Arm(name="b", kind="model", weight=3),
            Arm(name="c", kind="off", weight=0.5)]
    n = 40_000
    counts = {a.name: 0 for a in arms}
    for i in range(n):
        counts[arm_for("X-split", f"contact-{i}", arms).name] += 1
    total = sum(a.weight for a in arms)
    for arm in arms:
        p = arm.weight / total  # 1/4.5, 3/4.5, 0.5/4.5
        bound = 4 * math.sqrt(n * p * (1 - p))  # 4 standard deviations: a false alarm about once in 16 000 runs
        assert abs(counts[arm.name] - n * p) < bound, (arm.name, counts[arm.name], n * p, bound)


def test_buckets_are_spread_over_the_unit_interval():
    points = sorted(bucket("X-u", str(i)) for i in range(10_000))
    assert 0 <= points[0] and points[-1] < 1
    # Kolmogorov-Smirnov distance to the uniform: 1.63/sqrt(n) is its 1 % critical value
    distance = max(max((i + 1) / len(points) - x, x - i / len(points)) for i, x in enumerate(points))
    assert distance < 1.63 / math.sqrt(len(points))

"""Temperament from the customer's words: a calibrated classifier, held out, and the detection training draws."""

from __future__ import annotations

from functools import cache

import numpy as np
import pandas as pd
import pytest

from models.context import detected_temperament, served_history
from models.language.temperament import (
    BUILT_IN,
    DEFAULT_THRESHOLD,
    HELD_OUT,
    TEMPERAMENTS,
    UNKNOWN,
    TemperamentClassifier,
    TemperamentDetector,
    detection_matrix,
    read_temperaments,
)
from tests.models.trained import small_history

ACCURACY_FLOOR = 0.88
"""Measured 0.924 on every held-out paraphrase (145 lines), less a margin for retraining noise."""
CONFIDENT_FLOOR = 0.95
"""Measured 0.976 at the default threshold (0.6), where 85 % of the lines reach it."""


@cache
def built_in() -> TemperamentClassifier:
    return TemperamentDetector().classifier()


def test_the_held_out_paraphrases_are_not_in_the_training_lines():
    train = {t.lower() for t in read_temperaments(BUILT_IN).texts}
    assert not train & {t.lower() for t in read_temperaments(HELD_OUT).texts}


def test_every_temperament_is_trained_and_held_out():
    for path in (BUILT_IN, HELD_OUT):
        assert set(read_temperaments(path).labels) == set(TEMPERAMENTS)


def test_held_out_paraphrases_are_classified_above_the_floor():
    accuracy, coverage = built_in().accuracy(read_temperaments(HELD_OUT))
    assert coverage == 1.0 and accuracy >= ACCURACY_FLOOR


def test_confident_predictions_on_held_out_paraphrases_are_right_more_often():
    accuracy, coverage = built_in().accuracy(read_temperaments(HELD_OUT), threshold=DEFAULT_THRESHOLD)
    assert accuracy >= CONFIDENT_FLOOR and coverage >= 0.8


def test_the_event_paths_prediction_equals_scikit_learns_with_the_sentiment_input():
    texts = [*read_temperaments(HELD_OUT).texts, "", "zzzz qqqq", "THIS IS A JOKE!!!"]
    fast = np.array([built_in()._row(t) for t in texts])
    assert np.abs(fast - built_in().probabilities(texts)).max() < 1e-9


@pytest.mark.parametrize(("said", "temperament"), [
    (["hello", "this is the third time I've rung, it's a disgrace"], "angry"),
    (["what if the money doesn't come back before my rent is due? I'm so worried"], "anxious"),
    (["can you itemise the 32.10 on the invoice and the dates it covers?"], "analytical"),
    (["hi, could I move my payment date to the 5th please, thanks"], "calm"),
])
def test_the_detector_hears_each_temperament_confidently(said, temperament):
    detector = TemperamentDetector()
    found = detector.detect(said)
    assert found is not None and found.temperament == temperament and found.turns == len(said)
    assert detector.confident(found) == temperament


def test_no_words_no_temperament():
    assert TemperamentDetector().detect([]) is None
    assert TemperamentDetector().detect(["  ", ""]) is None


def test_a_guess_below_the_threshold_is_not_served():
    found = TemperamentDetector().detect(["ok"])
    assert found is not None and TemperamentDetector(threshold=1.0).confident(found) is None


def test_the_detection_matrix_is_the_held_out_confusion_at_the_threshold_with_a_small_prior():
    counts = built_in().confusion(read_temperaments(HELD_OUT), DEFAULT_THRESHOLD)
    matrix = detection_matrix(DEFAULT_THRESHOLD)
    for truth in TEMPERAMENTS:
        assert sum(matrix[truth].values()) == pytest.approx(1.0)
        most = max(counts[truth], key=counts[truth].__getitem__)
        assert max(matrix[truth], key=matrix[truth].__getitem__) == most == truth
        assert min(matrix[truth].values()) > 0  # no confusion is ruled out by 35-40 lines


def test_history_is_served_with_the_temperament_detection_would_give_drawn_at_its_measured_rates():
    frame = small_history()
    served = served_history(frame)["temperament"].fillna(UNKNOWN)
    matrix = detection_matrix(DEFAULT_THRESHOLD)
    for truth in TEMPERAMENTS:
        rows = (frame["temperament"] == truth).to_numpy()
        for heard in (truth, UNKNOWN):
            share = float((served[rows] == heard).mean())
            p = matrix[truth][heard]
            assert abs(share - p) <= 4 * np.sqrt(p * (1 - p) / rows.sum()), (truth, heard)


def test_a_contact_is_detected_the_same_way_whichever_frame_holds_it():
    frame = small_history()
    whole = detected_temperament(frame, DEFAULT_THRESHOLD)
    part = detected_temperament(frame.iloc[1000:1500], DEFAULT_THRESHOLD)
    assert list(part) == list(whole[1000:1500])


def test_the_crms_temperament_wins_over_detection():
    frame = small_history().head(500)
    served = served_history(frame, crm_fields=("temperament",))
    assert list(served["temperament"]) == list(frame["temperament"])


def test_without_detection_temperament_is_unknown_as_before():
    served = served_history(small_history().head(200), temperament_threshold=None)
    assert served["temperament"].isna().all()


def test_an_unknown_logged_temperament_stays_unknown():
    frame = small_history().head(100).assign(temperament=pd.Series(["unknown"] * 100, dtype="string"))
    assert served_history(frame)["temperament"].isna().all()

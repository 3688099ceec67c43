"""Temperament from the customer's words: a calibrated classifier, held out, and the detection training draws."""

from __future__ import annotations

import random
from functools import cache

import numpy as np
import pandas as pd
import pytest
from sklearn.model_selection import StratifiedKFold

from models.context import detected_temperament, served_history
from models.language.classifier import Labelled
from models.language.temperament import (
    BUILT_IN,
    DEFAULT_THRESHOLD,
    HELD_OUT,
    NO_CUE,
    NO_CUE_SHARE,
    TEMPERAMENTS,
    UNKNOWN,
    TemperamentClassifier,
    TemperamentDetector,
    cues,
    detection_matrix,
    read_temperaments,
)
from tests.models.trained import small_history

ACCURACY_FLOOR = 0.90
"""Measured 0.937 on every held-out line (205, 60 of them with no cue), less a margin for retraining noise
(0.902 before the generic cues and the second batch of training lines)."""
CONFIDENT_FLOOR = 0.95
"""Measured 0.974 at the default threshold (0.6), where 93 % of the lines reach it (0.940 on 82 % before)."""
CONFIDENT_COVERAGE_FLOOR = 0.85
NO_CUE_UNKNOWN_FLOOR = 0.95
"""Measured: 60 of the 60 held-out no-cue lines are served unknown at the default threshold."""
CALIBRATION_ERROR_CEILING = 0.08
"""Expected calibration error (confidence bands 0.5, 0.6, ..., 0.9) measured 0.070 on the training lines
cross-validated in 5 folds (0.088 on the held-out lines): the reader is underconfident (a read at 0.6 or more is
right 93-97 % of the time), not over."""


@cache
def built_in() -> TemperamentClassifier:
    return TemperamentDetector().classifier()


def test_the_held_out_paraphrases_are_not_in_the_training_lines():
    train = {t.lower() for t in read_temperaments(BUILT_IN).texts}
    assert not train & {t.lower() for t in read_temperaments(HELD_OUT).texts}


def test_every_temperament_and_the_no_cue_label_is_trained_and_held_out():
    for path in (BUILT_IN, HELD_OUT):
        assert set(read_temperaments(path).labels) == {*TEMPERAMENTS, NO_CUE}


def test_held_out_paraphrases_are_classified_above_the_floor():
    accuracy, coverage = built_in().accuracy(read_temperaments(HELD_OUT))
    assert coverage == 1.0 and accuracy >= ACCURACY_FLOOR


def test_confident_predictions_on_held_out_paraphrases_are_right_more_often():
    accuracy, coverage = built_in().accuracy(read_temperaments(HELD_OUT), threshold=DEFAULT_THRESHOLD)
    assert accuracy >= CONFIDENT_FLOOR and coverage >= CONFIDENT_COVERAGE_FLOOR


def confidences_and_rights(classifier: TemperamentClassifier, data: Labelled) -> tuple[np.ndarray, np.ndarray]:
    rows = classifier.probabilities(data.texts)
    return rows.max(axis=1), np.asarray(classifier.labels)[rows.argmax(axis=1)] == np.asarray(data.labels)


def calibration_error(confidence: np.ndarray, right: np.ndarray) -> float:
    """Expected calibration error: |accuracy - mean confidence| per confidence band, weighted by its lines."""
    bands = np.digitize(confidence, [0.5, 0.6, 0.7, 0.8, 0.9])
    return float(sum(abs(right[bands == b].mean() - confidence[bands == b].mean()) * (bands == b).sum()
                     for b in set(bands)) / len(confidence))


def test_confidence_matches_how_often_reads_of_unseen_lines_are_right():
    train = read_temperaments(BUILT_IN)
    confidence, right = np.zeros(len(train.texts)), np.zeros(len(train.texts), dtype=bool)
    for fit, test in StratifiedKFold(5, shuffle=True, random_state=0).split(train.texts, train.labels):
        part = TemperamentClassifier.train(Labelled([train.texts[i] for i in fit], [train.labels[i] for i in fit]))
        confidence[test], right[test] = confidences_and_rights(
            part, Labelled([train.texts[i] for i in test], [train.labels[i] for i in test]))
    assert calibration_error(confidence, right) <= CALIBRATION_ERROR_CEILING


@pytest.mark.parametrize("threshold", [0.5, 0.6, 0.7, 0.8, 0.9])
def test_reads_served_at_a_threshold_are_right_at_least_that_often_on_held_out_lines(threshold):
    confidence, right = confidences_and_rights(built_in(), read_temperaments(HELD_OUT))
    assert right[confidence >= threshold].mean() >= threshold


@pytest.mark.parametrize(("text", "temperament"), [
    ("WHY IS THE BROADBAND DOWN AGAIN", "angry"),
    ("is there any chance the parcel is lost? I'm really worried", "anxious"),
    ("the 3 items at 14.99 came to 49.97, how was the 5.00 difference calculated?", "analytical"),
])
def test_shouting_worry_and_figures_read_as_their_temperaments(text, temperament):
    label, _ = built_in().best(text)
    assert label == temperament


def test_the_cues_count_shouting_marks_and_figures():
    plain, loud = cues("where is my parcel"), cues("WHERE IS MY PARCEL!!! ORDER 5531, DUE 3/12?")
    assert plain[1:5] == [0.0, 0.0, 0.0, 0.0]
    assert loud[1] == 1.0 and loud[2] == 1.0 and loud[3] == pytest.approx(1 / 3) and loud[4] == pytest.approx(2 / 3)


def test_held_out_lines_with_no_cue_are_served_unknown():
    held = read_temperaments(HELD_OUT)
    lines = [t for t, label in zip(held.texts, held.labels, strict=True) if label == NO_CUE]
    detector = TemperamentDetector()
    unknown = sum(detector.confident(detector.detect([line])) is None for line in lines)
    assert unknown / len(lines) >= NO_CUE_UNKNOWN_FLOOR


@pytest.mark.parametrize("said", [
    ["hello"], ["hi"], ["hello, I have a question"], ["good morning"], ["Good afternoon, is this the help desk?"],
    ["my order number is 12345"], ["my account number is 99120045"], ["it's a Nokia"], ["yes"],
    ["hi", "my postcode is LS1 4AP"],
])
def test_greetings_and_bare_facts_leave_the_temperament_unknown(said):
    detector = TemperamentDetector()
    assert detector.confident(detector.detect(said)) is None


def test_a_turn_with_no_cue_does_not_dilute_the_ones_that_show_it():
    said = ["this is the third time I've rung, it's a disgrace", "yes", "my account number is 5512093", "that's right"]
    detector = TemperamentDetector()
    assert detector.confident(detector.detect(said)) == "angry"


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
    found = TemperamentDetector().detect(["I was charged twice. Again."])
    assert found is not None and TemperamentDetector(threshold=1.0).confident(found) is None


def served_counts(row: dict[str, int]) -> dict[str, int]:
    """A confusion row as served: the no-cue label is unknown."""
    return {s: row[s] + (row[NO_CUE] if s == UNKNOWN else 0) for s in (*TEMPERAMENTS, UNKNOWN)}


def test_each_temperaments_detection_mixes_its_held_out_lines_with_the_no_cue_lines_at_their_share():
    counts = built_in().confusion(read_temperaments(HELD_OUT), DEFAULT_THRESHOLD)
    no_cue = served_counts(counts[NO_CUE])
    matrix = detection_matrix(DEFAULT_THRESHOLD, prior=0.0)
    for truth in TEMPERAMENTS:
        own = served_counts(counts[truth])
        for served in (*TEMPERAMENTS, UNKNOWN):
            want = ((1 - NO_CUE_SHARE) * own[served] / sum(own.values())
                    + NO_CUE_SHARE * no_cue[served] / sum(no_cue.values()))
            assert matrix[truth][served] == pytest.approx(want), (truth, served)


def test_the_detection_matrix_gives_every_confusion_a_chance_and_serves_the_truth_more_than_any_other():
    matrix = detection_matrix(DEFAULT_THRESHOLD)
    for truth in TEMPERAMENTS:
        assert sum(matrix[truth].values()) == pytest.approx(1.0)
        assert min(matrix[truth].values()) > 0  # no confusion is ruled out by 35-40 lines
        assert all(matrix[truth][truth] > matrix[truth][other] for other in TEMPERAMENTS if other != truth)


def test_each_contact_is_detected_as_detection_would_at_its_measured_rates():
    frame = small_history()
    served = detected_temperament(frame, DEFAULT_THRESHOLD)  # before memory across contacts
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


def composed_contacts(cue_turns: int, per_temperament: int = 100) -> list[tuple[str, list[str]]]:
    """Contacts made of held-out lines: ``cue_turns`` lines of the true temperament and two no-cue lines, shuffled
    (the same draw for every call with the same arguments)."""
    held = read_temperaments(HELD_OUT)
    by: dict[str, list[str]] = {}
    for text, label in zip(held.texts, held.labels, strict=True):
        by.setdefault(label, []).append(text)
    rng = random.Random(cue_turns)
    contacts = []
    for truth in TEMPERAMENTS:
        for _ in range(per_temperament):
            said = rng.sample(by[truth], cue_turns) + rng.sample(by[NO_CUE], 2)
            rng.shuffle(said)
            contacts.append((truth, said))
    return contacts


def test_more_turns_that_show_the_temperament_get_it_served_more_often_and_as_rightly():
    detector = TemperamentDetector()
    served: dict[int, list[tuple[str, str | None]]] = {
        k: [(truth, detector.confident(detector.detect(said))) for truth, said in composed_contacts(k)] for k in (1, 3)}
    coverage = {k: sum(s is not None for _, s in reads) / len(reads) for k, reads in served.items()}
    right = [truth == s for truth, s in served[3] if s is not None]
    assert coverage[3] >= coverage[1] + 0.1 and sum(right) / len(right) >= 0.97  # measured 0.88 -> 0.99, 1.000


def test_a_turn_that_disagrees_lowers_the_confidence():
    detector = TemperamentDetector()
    angry = detector.detect(["this is the third time I've rung, it's a disgrace"])
    mixed = detector.detect(["this is the third time I've rung, it's a disgrace",
                             "I'm really worried the payment won't go through in time"])
    assert angry is not None and mixed is not None and mixed.confidence < angry.confidence

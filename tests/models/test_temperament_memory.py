"""A customer's temperament remembered across contacts: one rule (``remembered``) for the service and for
training and as-served scoring (``models.context.remembered_temperament``)."""

from __future__ import annotations

import pandas as pd

from models.context import detected_temperament, remembered_temperament, served_history
from models.language.temperament import DEFAULT_THRESHOLD, UNKNOWN
from models.language.temperament_memory import HALF_LIFE_DAYS, MEMORY_CONTACTS, Detection, remembered
from tests.models.trained import small_history

DAY = 86_400.0
NOW = 400 * DAY


def test_nothing_shown_on_any_contact_is_nothing_remembered():
    assert remembered([], None, NOW) is None


def test_an_earlier_contacts_read_is_served_when_this_contacts_words_show_none():
    found = remembered([Detection("angry", NOW - 3 * DAY, 0.8)], None, NOW)
    assert found is not None and (found.temperament, found.share, found.contacts, found.confidence) == (
        "angry", 1.0, 1, 0.8)


def test_the_majority_of_contacts_wins_over_this_contacts_single_read():
    earlier = [Detection("calm", NOW - 9 * DAY), Detection("calm", NOW - 5 * DAY)]
    found = remembered(earlier, Detection("angry", NOW), NOW)
    assert found is not None and found.temperament == "calm" and found.contacts == 3


def test_newer_evidence_overrides_older_evidence_of_equal_strength():
    found = remembered([Detection("calm", NOW - 30 * DAY)], Detection("anxious", NOW, 0.7), NOW)
    assert found is not None and found.temperament == "anxious" and found.confidence == 0.7


def test_old_evidence_fades_a_contact_a_half_life_ago_counts_half():
    earlier = [Detection("calm", NOW - 2 * HALF_LIFE_DAYS * DAY)] * 3 + [Detection("angry", NOW - DAY)]
    found = remembered(earlier, None, NOW)  # three reads at a quarter each lose to one recent read
    assert found is not None and found.temperament == "angry"


def test_only_the_latest_contacts_are_read_and_none_from_the_future():
    old = [Detection("calm", NOW - (100 + i) * DAY) for i in range(MEMORY_CONTACTS)]
    recent = [Detection("analytical", NOW - i * DAY) for i in range(1, 3)]
    later = [Detection("angry", NOW + DAY)] * 50
    found = remembered([*old, *recent, *later], None, NOW)
    assert found is not None and found.contacts == MEMORY_CONTACTS


def assert_reads_gained_come_from_earlier_contacts_of_the_same(key: str, consent: bool) -> None:
    """Some contacts whose own words showed nothing are served a read, each one an earlier contact's with the
    same ``key`` (customer or journey) showed."""
    frame = small_history().assign(consent_profiling=consent)
    own = detected_temperament(frame, DEFAULT_THRESHOLD).to_numpy()
    served = remembered_temperament(frame, DEFAULT_THRESHOLD).to_numpy()
    gained = (own == UNKNOWN) & (served != UNKNOWN)
    assert gained.any()
    for i in gained.nonzero()[0][:20]:
        same = frame[key] == frame[key].iloc[i]
        earlier = same & (frame["ended_at"] <= frame["started_at"].iloc[i])
        assert served[i] in set(own[earlier.to_numpy()])


def test_history_serves_a_consenting_customers_earlier_read_on_a_contact_whose_own_words_showed_none():
    assert_reads_gained_come_from_earlier_contacts_of_the_same("customer_id", consent=True)


def test_history_remembers_nothing_across_journeys_for_a_customer_without_profiling_consent():
    frame = small_history().assign(consent_profiling=False)
    own = detected_temperament(frame, DEFAULT_THRESHOLD).to_numpy()
    served = remembered_temperament(frame, DEFAULT_THRESHOLD).to_numpy()
    first = (frame["journey_step"] == 0).to_numpy()
    assert list(served[first]) == list(own[first])


def test_a_follow_up_in_the_same_journey_hears_its_earlier_contacts_words_without_consent():
    assert_reads_gained_come_from_earlier_contacts_of_the_same("journey_id", consent=False)  # its transcript


def test_the_served_history_carries_the_remembered_temperament():
    frame = small_history()
    want = remembered_temperament(frame, DEFAULT_THRESHOLD)
    served = served_history(frame)["temperament"].fillna(UNKNOWN)
    assert list(served) == list(want)


def test_remembering_serves_more_contacts_than_their_own_words_and_as_accurately():
    frame = small_history().assign(consent_profiling=True)
    truth = frame["temperament"].astype(str).to_numpy()
    own = detected_temperament(frame, DEFAULT_THRESHOLD).to_numpy()
    served = remembered_temperament(frame, DEFAULT_THRESHOLD).to_numpy()

    def rates(labels) -> tuple[float, float]:
        known = labels != UNKNOWN
        return float(known.mean()), float((labels[known] == truth[known]).mean())

    (own_coverage, own_accuracy), (coverage, accuracy) = rates(own), rates(served)
    assert coverage > own_coverage + 0.05 and accuracy >= own_accuracy - 0.01  # 0.645 vs 0.553 on 4 000 rows


def test_a_frame_without_times_gets_each_contacts_own_read():
    frame = small_history().head(300).drop(columns=["ended_at"])
    assert list(remembered_temperament(frame, DEFAULT_THRESHOLD)) == list(
        detected_temperament(frame, DEFAULT_THRESHOLD))


def test_a_customers_contacts_are_remembered_whatever_order_the_frame_holds_them_in():
    frame = small_history().assign(consent_profiling=True)
    shuffled = frame.sample(frac=1.0, random_state=3)
    served = pd.Series(remembered_temperament(shuffled, DEFAULT_THRESHOLD).to_numpy(), index=shuffled.index)
    assert list(served.sort_index()) == list(remembered_temperament(frame, DEFAULT_THRESHOLD))


def test_without_memory_the_served_history_reads_the_journeys_words_alone():
    frame = small_history().assign(consent_profiling=True)
    served = served_history(frame, temperament_memory=False)["temperament"].fillna(UNKNOWN)
    assert list(served) == list(remembered_temperament(frame.assign(consent_profiling=False), DEFAULT_THRESHOLD))
    first = (frame["journey_step"] == 0).to_numpy()
    assert list(served[first]) == list(detected_temperament(frame, DEFAULT_THRESHOLD)[first])


def test_remembering_leaves_the_callers_frame_as_it_was():
    frame = small_history().head(500).assign(logging_policy="assist/v1")
    frame["consent_profiling"] = frame["consent_profiling"].astype("boolean")  # as the live export types it
    before = frame.copy()
    remembered_temperament(frame, DEFAULT_THRESHOLD)
    pd.testing.assert_frame_equal(frame, before)

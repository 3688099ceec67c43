"""Policy after the model: each guardrail acts, and says so on the prompt that is shown instead."""

from __future__ import annotations

from models.catalog import load_catalog
from models.guardrails import apply_guardrails

BASE = {"reason": "refund", "consent_marketing": True, "vulnerable": False, "open_complaint": False,
        "identity_verified": True, "refund_amount": 20.0, "refund_limit": 50.0}


def guard(ranked, **context):
    return apply_guardrails(ranked, BASE | context, load_catalog())


def test_refund_above_the_agents_limit_becomes_supervisor_approval():
    [first, *_] = guard(["offer_refund_large", "apologise_acknowledge"], refund_amount=120.0, refund_limit=50.0)
    assert first.action == "escalate_supervisor" and first.proposed == "offer_refund_large"
    assert first.title == "Ask supervisor approval for a 120.00 refund"
    assert first.notes == ("empowerment limit: 120.00 is above your 50.00 refund limit",)


def test_refund_within_the_limit_passes_untouched():
    [first, *_] = guard(["offer_refund_small"], refund_amount=20.0)
    assert (first.action, first.notes) == ("offer_refund_small", ())


def test_a_supervisors_higher_limit_lets_the_refund_through():
    [first] = guard(["offer_refund_large"], refund_amount=120.0, refund_limit=500.0)
    assert first.action == "offer_refund_large"


def test_no_marketing_offer_without_consent_and_the_next_prompt_says_why():
    out = guard(["offer_retention_discount", "transfer_specialist"], reason="cancel", consent_marketing=False)
    assert [g.action for g in out] == ["transfer_specialist"]
    assert out[0].notes == ("consent: no marketing consent, a retention offer withheld",)


def test_a_plan_change_the_customer_asked_for_needs_no_marketing_consent():
    [first] = guard(["offer_plan_change"], reason="plan_change", consent_marketing=False)
    assert first.action == "offer_plan_change"


def test_no_upsell_while_a_complaint_is_open():
    out = guard(["offer_plan_change", "apologise_acknowledge"], reason="plan_change", open_complaint=True)
    assert [g.action for g in out] == ["apologise_acknowledge"]
    assert "open complaint" in out[0].notes[0]


def test_no_sales_offers_to_a_vulnerable_customer():
    out = guard(["offer_retention_discount", "schedule_callback"], reason="cancel", vulnerable=True)
    assert [g.action for g in out] == ["schedule_callback"] and "vulnerable customer" in out[0].notes[0]


def test_account_change_before_the_identity_check_becomes_the_check():
    [first, second] = guard(["offer_refund_small", "apologise_acknowledge"], identity_verified=False)
    assert (first.action, first.proposed) == ("verify_identity", "offer_refund_small")
    assert first.notes == ("identity not verified: verify before a small refund",)
    assert second.action == "apologise_acknowledge"


def test_each_action_appears_once_and_limit_stops_early():
    out = guard(["offer_refund_small", "offer_refund_large", "verify_identity"], identity_verified=False)
    assert [g.action for g in out] == ["verify_identity"]
    assert len(guard(["apologise_acknowledge", "schedule_callback", "close_with_survey"])) == 3
    assert len(apply_guardrails(["apologise_acknowledge", "schedule_callback"], BASE, load_catalog(), limit=1)) == 1


def test_an_unidentified_unverified_caller_is_asked_to_verify_before_anything_else():
    out = guard(["schedule_callback", "apologise_acknowledge", "verify_identity"], caller_identified=False,
                identity_verified=False)
    assert [g.action for g in out] == ["verify_identity", "schedule_callback", "apologise_acknowledge"]
    assert (out[0].proposed, out[0].title) == ("schedule_callback", "Verify identity first")
    assert out[0].notes == ("caller not identified: verify identity before anything else",)


def test_identity_first_leaves_identified_or_verified_callers_to_the_model():
    ranked = ["schedule_callback", "verify_identity"]
    assert guard(ranked, caller_identified=True, identity_verified=False)[0].action == "schedule_callback"
    assert guard(ranked, caller_identified=False, identity_verified=True)[0].action == "schedule_callback"


def test_identity_first_steps_aside_once_the_check_is_no_longer_offered():
    out = guard(["schedule_callback", "apologise_acknowledge"], caller_identified=False, identity_verified=False)
    assert [g.action for g in out] == ["schedule_callback", "apologise_acknowledge"]

"""Who is calling: phone numbers meet in E.164 however they were written, and an ambiguous caller is shown
as masked candidates (initial, last digits, last contact) behind opaque handles the agent picks from."""

from __future__ import annotations

import uuid

import pytest

from assist.identity import normalise
from assist.stores.tables import AuditEntry
from tests.stream.seed import seed
from tests.stream.test_sessions import accepted, ambiguous, new_ids, rows


@pytest.mark.parametrize("written", ["(202) 555-0194", "202.555.0194", "+1 202-555-0194", "1 (202) 555 0194"])
def test_a_us_number_however_written_is_stored_and_matched_in_e164(written):
    assert normalise("phone", written) == "+12025550194"


def test_a_number_with_its_country_code_keeps_it():
    assert normalise("phone", "+44 20 7946 0958") == "+442079460958"


def test_a_phone_with_an_unknown_country_code_keeps_its_digits():
    assert normalise("phone", "+0 12") == "+012"


async def test_a_caller_dialling_the_national_form_finds_the_customer_stored_in_e164(live_server):
    cid, _, email = new_ids()
    digits = f"{int(uuid.uuid4().hex[:8], 16) % 10**7:07d}"
    await seed(live_server, customer_id=cid, phone=f"+1202{digits}", email=email)
    panel, _, context = await accepted(live_server, "A1", {"phone": f"(202) {digits[:3]}-{digits[3:]}"},
                                       channel="phone")
    await panel.close()
    assert context["data"]["identity"]["status"] == "resolved"
    assert context["data"]["customer"]["id"] == cid


async def test_an_ambiguous_caller_comes_with_masked_candidates_and_no_customer_ids(live_server):
    panel, _, context, cid2 = await ambiguous(live_server)
    await panel.close()
    choices = context["data"]["identity"]["choices"]
    assert len(choices) == 2
    assert {c["initial"] for c in choices} == {"S."}                      # Sam Carter, twice
    assert all((c["digits_of"], c["last_digits"]) == ("account", "7781") and c["last_contact"] for c in choices)
    assert cid2 not in str(context) and "Sam" not in str(context)
    assert all(c["handle"].startswith("K-") for c in choices)


async def test_picking_a_candidate_by_its_handle_resolves_the_contact(live_server):
    panel, session_id, context, _ = await ambiguous(live_server)
    picked = context["data"]["identity"]["choices"][0]["handle"]
    await panel.send("event", {"session_id": session_id, "kind": "action", "action": "resolve_identity",
                               "fields": {"candidate": picked}})
    resolved = await panel.expect("context", session_id=session_id)
    await panel.close()
    assert resolved["data"]["identity"]["status"] == "resolved"
    assert resolved["data"]["identity"]["choices"] == []


async def test_a_handle_from_another_contact_is_not_a_candidate(live_server):
    first, _, context, _ = await ambiguous(live_server)
    await first.close()
    foreign = context["data"]["identity"]["choices"][0]["handle"]
    panel, session_id, _, _ = await ambiguous(live_server)
    await panel.send("event", {"session_id": session_id, "kind": "action", "action": "resolve_identity",
                               "fields": {"candidate": foreign}}, message_id="r1")
    error = await panel.expect("error")
    await panel.close()
    assert error["data"]["code"] == "not_a_candidate"


async def test_showing_the_masked_candidates_is_audited_for_each_of_them(live_server):
    panel, session_id, _, cid2 = await ambiguous(live_server)
    await panel.close()
    entries = await rows(live_server, AuditEntry, AuditEntry.customer_id == cid2,
                         AuditEntry.action == "candidate_shown")
    assert [session_id in e.reason for e in entries] == [True]



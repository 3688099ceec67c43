"""The side panel at 380 px keeps up with the contact: "Journey so far" and the checklist change in place as
steps are done, knowledge articles open in the panel, settled guidance collapses to one line, ids read as
words, and a garbled token gets a plain message."""

from __future__ import annotations

import pytest
from playwright.async_api import Page, expect

from tests.web.conftest import World, assert_accessible, screenshot, sign_in
from tests.web.narrow import narrow, open_contact, shot, sized

__all__ = ["narrow", "sized"]  # the fixture, imported to be found

pytestmark = pytest.mark.browser

async def record(page: Page, session_id: str, action: str) -> None:
    await page.select_option(f"#action-{session_id}", action)
    await page.click(f"[data-focus='action:{session_id}']")


async def test_journey_so_far_and_the_checklist_update_in_place_after_an_action(sized: Page, world: World) -> None:
    session_id = await open_contact(sized, world)
    journey = sized.get_by_role("region", name="Journey so far")
    checklist = sized.get_by_test_id("checklist")
    await expect(journey.get_by_test_id("steps-done")).to_have_text("nothing yet")
    await expect(checklist.locator("[data-item=verify_identity]")).to_have_class("todo")

    await record(sized, session_id, "verify_identity")
    await expect(journey.get_by_test_id("steps-done")).to_have_text("identity verified")
    await expect(checklist.locator("[data-item=verify_identity]")).to_have_class("done")
    await expect(sized.get_by_role("region", name="Checklist")).to_contain_text("1 of 4 done")
    verify = sized.locator("[data-action=verify_identity]")
    await expect(verify).to_have_attribute("data-standing", "superseded")   # done: no longer asks for an answer
    await screenshot(sized, shot(sized, "journey-updated"))
    await assert_accessible(sized, shot(sized, "journey-updated"))


async def test_a_refund_request_shows_the_amount_collected_and_the_refund_pending(narrow: Page, world: World) -> None:
    session_id = await open_contact(narrow, world)
    await world_event(narrow, session_id, "request_refund", {"amount": 30})
    journey = narrow.get_by_role("region", name="Journey so far")
    await expect(journey).to_contain_text("refund amount: 30")
    await expect(journey.locator("dd").nth(1)).to_have_text("refund issued")


async def world_event(page: Page, session_id: str, action: str, fields: dict[str, object]) -> None:
    """An action with fields, sent through the panel's own stream (the panel's form sends actions without)."""
    await page.evaluate("([sid, action, fields]) => window.agentAssist.stream.send('event', "
                        "{session_id: sid, kind: 'action', action, fields})", [session_id, action, fields])


async def test_knowledge_articles_show_why_and_open_to_their_body(sized: Page, world: World) -> None:
    session_id = await open_contact(sized, world)
    articles = sized.get_by_test_id("articles")
    first = articles.locator("li").first
    await expect(first).to_contain_text("Why: written for refund contacts")
    await sized.evaluate("sid => window.agentAssist.stream.send('event', {session_id: sid, kind: 'utterance', "
                          "speaker: 'customer', text: 'the refund never reached my card, get me a manager'})",
                          session_id)
    await expect(first).to_contain_text("Why: you talked about")
    await first.get_by_role("button").click()
    await expect(first.get_by_role("button")).to_have_attribute("aria-expanded", "true")
    body = first.locator(".article-body")
    await expect(body).not_to_contain_text("Loading")
    assert len(await body.inner_text()) > 40
    await screenshot(sized, shot(sized, "article-open"))
    await assert_accessible(sized, shot(sized, "article-open"))


async def test_answered_prompts_collapse_to_one_line_newest_first(narrow: Page, world: World) -> None:
    session_id = await open_contact(narrow, world)
    verify = narrow.locator("[data-action=verify_identity]")
    await verify.get_by_role("button", name="Accept").click()
    await expect(verify).to_have_attribute("data-standing", "answered")
    await expect(verify.locator("summary")).to_contain_text("Accepted")
    await record(narrow, session_id, "verify_identity")
    await world_event(narrow, session_id, "request_refund", {"amount": 20})
    refund = narrow.locator("[data-action=offer_refund_small]")
    await refund.get_by_role("button", name="Dismiss: already done").click()
    earlier = narrow.get_by_test_id("earlier").locator(":scope > li")
    await expect(earlier).to_have_count(2)
    await expect(earlier.nth(0)).to_have_attribute("data-action", "offer_refund_small")   # newest first
    heights = await narrow.evaluate("[...document.querySelectorAll('[data-testid=earlier] > li > details > summary')]"
                                    ".map((line) => line.getBoundingClientRect().height)")
    assert len(heights) == 2 and max(heights) < 40                                       # one line each
    await screenshot(narrow, "panel-380-collapsed")


async def test_raw_ids_in_guidance_and_the_transcript_read_as_plain_words(narrow: Page, world: World) -> None:
    session_id = await open_contact(narrow, world, reason="billing_dispute")
    verify = narrow.locator("[data-action=verify_identity]")
    await expect(verify).to_contain_text("billing dispute touches the account")
    await record(narrow, session_id, "offer_refund_small")
    transcript = narrow.get_by_role("region", name="Transcript")
    await expect(transcript).to_contain_text("[did: offer a small refund]")
    assert "billing_dispute" not in await narrow.locator("#session").inner_text()
    assert "offer_refund_small" not in await narrow.locator("#session").inner_text()


async def test_a_garbled_token_says_it_is_not_valid(narrow: Page, world: World) -> None:
    await sign_in(narrow, world.server, "/ui/", "abc.%%%not-base64%%%.def")
    error = narrow.locator("#signin-error")
    await expect(error).to_have_text("This token is not valid: paste the whole token you were given.")
    await screenshot(narrow, "panel-380-bad-token")

"""The panel transfers a contact, searches the knowledge base and, in demo mode, simulates the customer, at
380 px and 1280 px in real Chromium: agent A transfers to agent B with a note, B accepts and sees the journey,
the note and a prompt with reasons; a search opens an article; a simulated customer line becomes a prompt."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import pytest
from playwright.async_api import Browser, Page, expect

from tests.conftest import LiveServer, free_port, server_env
from tests.stream.seed import seed
from tests.web.conftest import World, assert_accessible, panel_online, screenshot
from tests.web.narrow import WIDTHS, open_contact, page_at

pytestmark = pytest.mark.browser

@pytest.fixture(params=sorted(WIDTHS))
async def pages(request: pytest.FixtureRequest, browser: Browser) -> AsyncIterator[tuple[str, Page, Page]]:
    """Two agents' panels side by side at one width (each its own profile), failing on any script error."""
    async with page_at(browser, WIDTHS[request.param]) as first, page_at(browser, WIDTHS[request.param]) as second:
        yield request.param, first, second


@pytest.fixture(scope="module")
def demo_server(chromium, tmp_path_factory: pytest.TempPathFactory, redis_url: str) -> Iterator[LiveServer]:
    """``assist serve --demo`` as far as the panel knows: demo mode on."""
    server = LiveServer(server_env(tmp_path_factory.mktemp("web-demo"), redis_url, ASSIST_DEMO_MODE="true"),
                        free_port()).start()
    try:
        yield server
    finally:
        server.stop()


async def record(page: Page, session_id: str, action: str) -> None:
    await page.select_option(f"#action-{session_id}", action)
    await page.click(f"[data-focus='action:{session_id}']")


async def test_a_transfer_to_another_agent_brings_them_the_journey_the_note_and_guidance(
        pages: tuple[str, Page, Page], world: World) -> None:
    width, first, second = pages
    receiver = f"{world.agent}b"
    await seed(world.server, customer_id=f"{world.customer}-x", phone=f"{world.phone}9", email=f"x{world.email}",
               agents=(receiver,))
    session_id = await open_contact(first, world)
    await record(first, session_id, "verify_identity")
    await expect(first.get_by_test_id("steps-done")).to_have_text("identity verified")
    await panel_online(second, world.server, receiver)
    await second.select_option("#status", "available")
    await expect(second.locator("#status-note")).to_have_text("")

    transfer = first.get_by_test_id("transfer")
    await transfer.locator("summary").click()
    await expect(transfer.get_by_role("option", name=receiver)).to_be_enabled()
    await transfer.get_by_label("Transfer to").select_option(f"agent:{receiver}")
    await transfer.get_by_label("Note for the next agent").fill("verified; customer wants the refund today")
    await screenshot(first, f"panel-{width}-transfer-form")
    await assert_accessible(first, f"panel-{width}-transfer-form")
    await transfer.get_by_role("button", name="Transfer").click()
    await expect(first.locator(f"[data-session-id='{session_id}']")).to_contain_text(f"Handed off to chat ({receiver})")

    offer = second.locator("[data-offer-id]")
    await expect(offer).to_contain_text(f"Handed over by {world.agent}")
    await expect(offer).to_contain_text("verified; customer wants the refund today")
    await offer.get_by_role("button", name="Accept").click()
    note = second.get_by_test_id("transfer-note")
    await expect(note).to_contain_text(f"Handed over by {world.agent}")
    await expect(note).to_contain_text("“verified; customer wants the refund today”")
    journey = second.get_by_role("region", name="Journey so far")
    await expect(journey.get_by_test_id("steps-done")).to_have_text("identity verified")
    await expect(journey).to_contain_text(f"{world.agent} (chat")
    prompt = second.locator("[data-action=review_handoff]")
    await expect(prompt).to_contain_text("Pick up where the last agent left off")
    reasons = prompt.locator(".reason-list")
    await expect(reasons).to_contain_text(f"handed over by {world.agent} from chat")
    await expect(reasons).to_contain_text("their note: verified; customer wants the refund today")
    await screenshot(second, f"panel-{width}-transfer-received")
    await assert_accessible(second, f"panel-{width}-transfer-received")


async def test_a_transfer_to_an_agent_who_went_away_meanwhile_says_why_and_leaves_the_contact_open(
        pages: tuple[str, Page, Page], world: World) -> None:
    width, first, second = pages
    receiver = f"{world.agent}b"
    await seed(world.server, customer_id=f"{world.customer}-x", phone=f"{world.phone}9", email=f"x{world.email}",
               agents=(receiver,))
    session_id = await open_contact(first, world)
    await panel_online(second, world.server, receiver)
    await second.select_option("#status", "available")
    await expect(second.locator("#status-note")).to_have_text("")
    transfer = first.get_by_test_id("transfer")
    await transfer.locator("summary").click()
    await transfer.get_by_label("Transfer to").select_option(f"agent:{receiver}")
    await second.select_option("#status", "away")          # after A's list said they were available
    await expect(second.locator("#status-note")).to_have_text("")
    await transfer.get_by_role("button", name="Transfer").click()
    await expect(transfer.get_by_test_id("transfer-error")).to_have_text(
        "Not transferred: That agent is away or signed out. Pick someone available, or a queue.")
    await expect(first.locator(f"[data-session-id='{session_id}']")).not_to_contain_text("Handed off")
    await expect(first.get_by_label("Say to the customer")).to_be_visible()
    await screenshot(first, f"panel-{width}-transfer-refused")
    await assert_accessible(first, f"panel-{width}-transfer-refused")


async def test_a_knowledge_search_shows_why_each_article_matched_and_opens_its_body(
        pages: tuple[str, Page, Page], world: World) -> None:
    width, page, _ = pages
    await open_contact(page, world)
    search = page.get_by_role("search")
    await search.get_by_label("Search articles").fill("refund card")
    await search.get_by_role("button", name="Search").click()
    results = page.get_by_test_id("search-results").locator(":scope > li")
    first = results.first
    await expect(first).to_contain_text("Why: matches refund")
    await expect(first).to_contain_text("written for refund contacts")
    await first.get_by_role("button").click()
    await expect(first.get_by_role("button")).to_have_attribute("aria-expanded", "true")
    body = first.locator(".article-body")
    await expect(body).not_to_contain_text("Loading")
    assert len(await body.inner_text()) > 40
    await screenshot(page, f"panel-{width}-search-article")
    await assert_accessible(page, f"panel-{width}-search-article")


async def test_a_search_with_no_matching_word_says_so(pages: tuple[str, Page, Page], world: World) -> None:
    _, page, _ = pages
    await panel_online(page, world.server, world.agent)
    search = page.get_by_role("search")
    await search.get_by_label("Search articles").fill("zyxwv")
    await search.get_by_role("button", name="Search").click()
    await expect(page.locator("#search")).to_contain_text("No article matches those words.")


async def test_in_demo_mode_a_simulated_customer_line_turns_into_a_prompt_with_reasons(
        pages: tuple[str, Page, Page], demo_server: LiveServer) -> None:
    width, page, _ = pages
    world = await World(demo_server).seed()
    await panel_online(page, demo_server, world.agent)
    await page.get_by_role("button", name="Start a demo contact").click()   # no REST call: the panel asks
    await page.locator("[data-offer-id]").get_by_role("button", name="Accept").click()
    demo = page.get_by_role("region", name="Simulate the customer Demo")
    await demo.get_by_label("Customer says (simulated)").fill("This is ridiculous, get me your manager")
    await demo.get_by_role("button", name="Post as customer").click()
    transcript = page.get_by_role("region", name="Transcript")
    await expect(transcript).to_contain_text("Customer (simulated): This is ridiculous, get me your manager")
    prompt = page.locator("[data-action=escalate_supervisor]")
    await expect(prompt).to_contain_text("Customer asked for a supervisor")
    await expect(prompt.locator(".reason-list")).to_contain_text("customer asked to escalate")
    await screenshot(page, f"panel-{width}-demo-line")
    await assert_accessible(page, f"panel-{width}-demo-line")


async def test_outside_demo_mode_the_panel_offers_no_simulated_line(pages: tuple[str, Page, Page],
                                                                      world: World) -> None:
    _, page, _ = pages
    await open_contact(page, world)
    await expect(page.get_by_role("region", name="Transcript")).to_be_visible()
    await expect(page.get_by_label("Customer says (simulated)")).to_have_count(0)


async def test_the_transfer_form_opens_and_loads_its_targets_from_the_keyboard(pages: tuple[str, Page, Page],
                                                                               world: World) -> None:
    _, page, _ = pages
    await open_contact(page, world)
    transfer = page.get_by_test_id("transfer")
    await transfer.locator("summary").focus()
    await page.keyboard.press("Enter")
    target = transfer.get_by_label("Transfer to")
    await expect(target).to_be_visible()
    await expect(target.locator("option").first).to_have_text("No one: the customer comes back on the channel below")
    await expect(transfer.get_by_role("button", name="Transfer")).to_be_enabled()
    await expect(transfer.locator("summary")).to_be_focused()

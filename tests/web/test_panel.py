"""The agent side panel in real headless Chromium against a real server: sign-in, offer, context, prompts
with their reasons, feedback, keyboard use, handoff journey, and reconnect with resume."""

from __future__ import annotations

import time

import httpx
import pytest
from playwright.async_api import Page, expect

from tests.conftest import LiveServer, PrivateRedis
from tests.stream.panel import Panel
from tests.stream.seed import seed
from tests.web.conftest import World, assert_accessible, panel_online, screenshot

pytestmark = pytest.mark.browser


async def accept_offer(page: Page, world: World, **offer: object) -> str:
    session_id = world.offer(**offer)  # type: ignore[arg-type]
    await page.wait_for_selector(f"[data-offer-id='{session_id}']")
    await page.keyboard.press("a")
    await page.wait_for_selector(f"[data-session-id='{session_id}']")
    return session_id


async def adoption(server: LiveServer) -> dict:
    response = httpx.get(server.base_url + "/v1/adoption/summary", headers=server.headers("S1", "supervisor"))
    assert response.status_code == 200, response.text
    return response.json()


async def test_agent_accepts_an_offer_sees_context_and_a_prompt_with_reasons_and_accepts_it(
        page: Page, world: World, browser) -> None:
    server = world.server
    await panel_online(page, server, world.agent)
    await page.select_option("#status", "available")
    await expect(page.locator("#status-note")).to_have_text("")

    session_id = world.offer()
    offer = page.locator(f"[data-offer-id='{session_id}']")
    await expect(offer.get_by_role("heading")).to_have_text("Incoming chat · refund")
    await expect(offer.locator("[data-countdown-text]")).to_contain_text("Expires in")
    await screenshot(page, "panel-offer")
    await assert_accessible(page, "panel-offer")

    await offer.get_by_role("button", name="Accept").click()
    session = page.locator(f"[data-session-id='{session_id}']")
    customer = session.get_by_role("region", name="Customer")
    await expect(customer).to_contain_text("Sam Carter")
    await expect(customer).to_contain_text(world.email[0] + "***@example.com")
    await expect(customer.locator("dd", has_text="hidden for your role")).to_have_count(2)  # address, birth date
    assert world.email not in await page.content()
    await expect(session.get_by_role("region", name="Journey so far")).to_contain_text(f"{world.agent} (chat")

    prompt = session.locator("[data-action=verify_identity]")
    await expect(prompt.get_by_role("heading")).to_have_text("Verify identity first")
    await expect(prompt).to_contain_text("identity not verified in this journey")
    await expect(prompt).to_contain_text("'refund' touches the account")
    await expect(prompt).to_contain_text("Confidence 95% · Rules")
    await expect(prompt.locator(".reason-list .bar")).to_have_count(2)
    await screenshot(page, "panel-session")
    await assert_accessible(page, "panel-session")

    await prompt.get_by_role("button", name="Accept").click()
    await expect(prompt.locator(".feedback-state")).to_have_text("Accepted")
    await page.select_option("#status", "busy")
    await expect(page.locator("#status")).to_have_value("busy")
    await expect(page.locator("#status-note")).to_have_text("")

    summary = await adoption(server)
    [mine] = [a for a in summary["by_agent"] if a["agent_id"] == world.agent]
    assert (mine["shown"], mine["accepted"]) == (1, 1)

    dashboard = await browser.new_page(viewport={"width": 1280, "height": 1000})
    try:
        await dashboard.goto(server.base_url + "/ui/dashboard.html")
        await dashboard.fill("#token", server.token("S1", "supervisor"))
        await dashboard.click("#signin button[type=submit]")
        row = dashboard.locator(f"[data-testid=feedback-by-agent] tr[data-row='{world.agent}']")
        await expect(row).to_contain_text("100%")
        await expect(row.locator("td").nth(1)).to_have_text("1")   # accepted
        await screenshot(dashboard, "dashboard")
        await assert_accessible(dashboard, "dashboard")
    finally:
        await dashboard.close()


async def test_keyboard_only_sign_in_accept_offer_and_dismiss_prompt(page: Page, world: World) -> None:
    server = world.server
    await page.goto(server.base_url + "/ui/")
    await expect(page.locator("#signin")).to_be_visible()
    await assert_accessible(page, "panel-signin")
    await page.keyboard.press("Tab")                       # skip link
    await page.keyboard.press("Tab")                       # token box
    await expect(page.locator("#token")).to_be_focused()
    await page.keyboard.insert_text(server.token(world.agent))
    await page.keyboard.press("Tab")
    await page.keyboard.press("Enter")                     # "Sign in"
    await page.wait_for_selector("#conn[data-state=online]")

    session_id = world.offer()
    await page.wait_for_selector(f"[data-offer-id='{session_id}']")
    await page.keyboard.press("a")
    prompt = page.locator("[data-action=verify_identity]")
    await expect(prompt).to_be_visible()
    await page.keyboard.press("n")                         # focus the newest open prompt
    await expect(prompt).to_be_focused()
    await page.keyboard.press("d")                         # dismiss: not relevant
    await expect(prompt.locator(".feedback-state")).to_have_text("Dismissed: not relevant")
    await expect(prompt).to_be_focused()                   # focus stays in the guidance list

    summary = await adoption(server)
    [mine] = [a for a in summary["by_agent"] if a["agent_id"] == world.agent]
    assert mine["dismissed"] == 1
    assert any(r["reason"] == "not relevant" for r in summary["dismissal_reasons"])


async def test_ambiguous_identity_is_a_warning_with_no_customer_data(page: Page, web_server: LiveServer) -> None:
    first = await World(web_server).seed()
    second = World(web_server)
    second.phone = first.phone                              # a shared landline: two customers match
    await second.seed()
    await panel_online(page, web_server, first.agent)
    await accept_offer(page, first, identifiers={"phone": first.phone}, channel="phone")
    customer = page.get_by_role("region", name="Customer")
    await expect(customer).to_contain_text("Verify who this is")
    await expect(customer).to_contain_text("2 customers match this contact's phone")
    await expect(customer.locator("dl")).to_have_count(0)
    assert "Sam Carter" not in await customer.inner_text()
    await screenshot(page, "panel-ambiguous")


async def test_handoff_shows_the_journey_so_far_and_who_handled_it(page: Page, web_server: LiveServer) -> None:
    world = await World(web_server).seed()
    specialist = World(web_server)
    await seed(web_server, customer_id=f"{specialist.customer}", phone=specialist.phone, email=specialist.email,
               agents=(specialist.agent,))
    first = await Panel.open(web_server, world.agent)
    await first.expect("hello")
    session_id = world.offer()
    await first.expect("offer", offer_id=session_id)
    await first.send("accept", {"offer_id": session_id})
    await first.expect("context", session_id=session_id)
    for action, fields in (("verify_identity", {}), ("request_refund", {"amount": 30})):
        await first.send("event", {"session_id": session_id, "kind": "action", "action": action, "fields": fields})

    await panel_online(page, web_server, specialist.agent)
    await page.select_option("#status", "available")   # a transfer goes only to an agent who is not away
    await expect(page.locator("#status-note")).to_have_text("")
    await first.send("handoff_request", {"session_id": session_id, "channel": "phone",
                                         "to_agent": specialist.agent, "note": "customer prefers to call"})
    await first.expect("session_closed", session_id=session_id)
    await first.close()

    offer = page.locator("[data-offer-id]")
    await expect(offer).to_contain_text(f"Handed over by {world.agent}")
    await page.keyboard.press("a")
    journey = page.get_by_role("region", name="Journey so far")
    await expect(journey.get_by_test_id("steps-done")).to_have_text("identity verified, refund requested")
    await expect(journey).to_contain_text("refund issued")            # pending
    await expect(journey).to_contain_text(f"{world.agent} (chat")
    await expect(journey).to_contain_text(f"{specialist.agent} (phone")
    await expect(journey).to_contain_text("chat → phone")
    await screenshot(page, "panel-handoff")


async def test_reconnect_resumes_without_losing_a_prompt(page: Page, world: World, machine_key: str) -> None:
    server = world.server
    sockets: list[str] = []
    page.on("websocket", lambda ws: sockets.append(ws.url))
    await panel_online(page, server, world.agent)
    session_id = await accept_offer(page, world)
    await expect(page.locator("[data-action=verify_identity]")).to_be_visible()

    await page.evaluate("window.agentAssist.stream.drop(2500)")      # the link goes away for 2.5 s
    await expect(page.locator("#conn")).to_have_attribute("data-state", "offline")
    response = httpx.post(f"{server.base_url}/v1/sessions/{session_id}/events", headers={"X-API-Key": machine_key},
                          json={"kind": "utterance", "speaker": "customer", "text": "I want a manager now"})
    assert response.status_code == 200, response.text
    escalate = page.locator("[data-action=escalate_supervisor]")
    assert await escalate.count() == 0                               # it was produced while offline
    await expect(page.locator("#conn-notice")).to_contain_text("last known context")
    await expect(page.get_by_role("region", name="Customer")).to_contain_text("Sam Carter")
    await screenshot(page, "panel-offline")

    await expect(page.locator("#conn")).to_have_attribute("data-state", "online")
    await expect(escalate.get_by_role("heading")).to_have_text("Customer asked for a supervisor")
    await expect(page.get_by_role("region", name="Transcript")).to_contain_text("I want a manager now")
    assert len(sockets) == 2 and "resume_from=" not in sockets[0] and "resume_from=" in sockets[1]
    assert await page.locator("[data-action=verify_identity]").count() == 1   # nothing shown twice


async def test_reload_keeps_the_contact_and_resumes(page: Page, world: World) -> None:
    server = world.server
    await panel_online(page, server, world.agent)
    session_id = await accept_offer(page, world)
    await expect(page.locator("[data-action=verify_identity]")).to_be_visible()
    await page.reload()
    await page.wait_for_selector("#conn[data-state=online]")
    await expect(page.locator(f"[data-session-id='{session_id}']")).to_contain_text("Sam Carter")
    await expect(page.locator("[data-action=verify_identity]")).to_have_count(1)


async def test_the_panel_opens_its_stream_with_a_ticket_never_its_token(page: Page, world: World) -> None:
    sockets: list[str] = []
    page.on("websocket", lambda ws: sockets.append(ws.url))
    await panel_online(page, world.server, world.agent)
    assert sockets and all("ticket=" in url and "token=" not in url for url in sockets)


async def test_the_panel_takes_batched_frames_and_shows_each_message_of_one(page: Page, world: World) -> None:
    frames: list[str] = []
    page.on("websocket", lambda ws: ws.on("framereceived", lambda payload: frames.append(str(payload))))
    await panel_online(page, world.server, world.agent)
    session_id = await accept_offer(page, world)
    await expect(page.locator("[data-action=verify_identity]")).to_have_count(1)
    accepted = [f for f in frames if session_id in f and '"type":"context"' in f]
    assert accepted and all(f.startswith("[") for f in frames)
    await expect(page.locator(f"[data-session-id='{session_id}']")).to_contain_text("Sam Carter")


def offer_when_redis_answers(world: World) -> str:
    """``world.offer()``, retried while the server's Redis connections come back after a restart."""
    for _ in range(40):
        try:
            return world.offer()
        except (AssertionError, httpx.HTTPError):
            time.sleep(0.25)
    return world.offer()


async def test_an_open_panel_shows_the_next_offer_after_the_servers_redis_lost_its_data(
        page: Page, server_on_private_redis: LiveServer, private_redis: PrivateRedis) -> None:
    world = await World(server_on_private_redis).seed()
    await panel_online(page, world.server, world.agent)
    first = world.offer()
    await page.wait_for_selector(f"[data-offer-id='{first}']")
    private_redis.restart()  # no persistence: the agent's stream numbering starts over at 1
    second = offer_when_redis_answers(world)
    await page.wait_for_selector(f"[data-offer-id='{second}']")
    await expect(page.locator(f"[data-offer-id='{first}']")).to_have_count(0)   # stale: no longer live

"""The supervisor dashboard: routing's live snapshot (queues, agents by status) beside prompt feedback."""

from __future__ import annotations

import time

import httpx
import pytest
from playwright.async_api import Page, Route, expect

from routing.schemas import AgentOut, QueueOut, WaitingOut
from tests.conftest import LiveServer
from tests.web.conftest import WIDE_VIEWPORT, World, assert_accessible, panel_online, screenshot, sign_in

pytestmark = pytest.mark.browser


async def test_dashboard_renders_routing_snapshot_payloads(page: Page, web_server: LiveServer) -> None:
    """The page reads routing's documented payloads (built here from routing.schemas, so drift breaks this)."""
    now = time.time()
    agents = [AgentOut(agent_id=a, status=s, status_since=now - 95, idle_since=now - 95, skills={"billing": 4},
                       languages=["en"], groups=[], capacity={"chat": 3, "phone": 1}, load={"chat": n})
              for a, s, n in (("A1", "busy", 2), ("A2", "available", 0), ("A3", "away", 0))]
    queue = QueueOut(queue="default", size=2, waiting=[
        WaitingOut(position=0, contact_id="K-1", priority=10, channel="chat", waited_seconds=42.0),
        WaitingOut(position=1, contact_id="K-2", priority=0, channel="phone", waited_seconds=7.0)])

    async def answer(route: Route) -> None:
        body = queue.model_dump_json() if "/queues/" in route.request.url else \
            "[" + ",".join(a.model_dump_json() for a in agents) + "]"
        await route.fulfill(status=200, content_type="application/json", body=body)

    await page.set_viewport_size(WIDE_VIEWPORT)
    await page.route("**/v1/routing/**", answer)
    await sign_in(page, web_server, "/ui/dashboard.html", web_server.token("S1", "supervisor"))
    await expect(page.locator("[data-tile=status-busy] .value")).to_have_text("1")
    await expect(page.locator("[data-tile=status-available] .value")).to_have_text("1")
    await expect(page.locator("[data-agent=A1] [data-status]")).to_have_text("Busy")
    await expect(page.locator("[data-agent=A1]")).to_contain_text("chat 2/3, phone 0/1")
    queue_block = page.locator("[data-queue=default]")
    await expect(queue_block.locator("[data-tile=waiting] .value")).to_have_text("2")
    await expect(queue_block.locator("[data-tile=service-level] .value")).to_have_text("1 of 2")
    await expect(queue_block).to_contain_text("K-1")
    await screenshot(page, "dashboard-routing")
    await assert_accessible(page, "dashboard-routing")


async def test_dashboard_shows_the_agent_busy_from_routing(page: Page, world: World, machine_key: str,
                                                           browser) -> None:
    server = world.server
    skill = httpx.put(f"{server.base_url}/v1/routing/skills/billing", headers={"X-API-Key": machine_key}, json={})
    assert skill.status_code in (200, 201), skill.text
    registered = httpx.put(f"{server.base_url}/v1/routing/agents/{world.agent}", headers={"X-API-Key": machine_key},
                           json={"skills": {"billing": 3}, "capacity": {"chat": 3}, "status": "available"})
    assert registered.status_code in (200, 201), registered.text
    await panel_online(page, server, world.agent)
    await page.select_option("#status", "busy")
    await expect(page.locator("#status-note")).to_have_text("")

    dashboard = await browser.new_page(viewport=WIDE_VIEWPORT)
    try:
        await sign_in(dashboard, server, "/ui/dashboard.html", server.token("S1", "supervisor"))
        await expect(dashboard.locator(f"[data-agent='{world.agent}'] [data-status]")).to_have_text("Busy")
        await screenshot(dashboard, "dashboard-agent-busy")
    finally:
        await dashboard.close()


async def test_prompt_feedback_counts_the_dates_chosen_for_adoption(page: Page, web_server: LiveServer) -> None:
    """The feedback tallies ask for the adoption filters' dates (12 weeks by default), not every prompt ever."""
    await page.set_viewport_size(WIDE_VIEWPORT)
    async with page.expect_request("**/v1/adoption/summary?*") as first:
        await sign_in(page, web_server, "/ui/dashboard.html", web_server.token("S1", "supervisor"))
    assert "since=" in (await first.value).url
    await expect(page.get_by_test_id("feedback-range")).to_contain_text("(the dates chosen above)")
    await page.fill("#from", "2030-04-01")
    await page.fill("#to", "2030-04-30")
    async with page.expect_request("**/v1/adoption/summary?*") as applied:
        await page.get_by_role("button", name="Apply").click()
    assert "since=2030-04-01T00%3A00%3A00Z&end=2030-05-01T00%3A00%3A00.000Z" in (await applied.value).url
    await expect(page.get_by_test_id("feedback-range")).to_have_text(
        "Prompts shown from 2030-04-01 to 2030-04-30 (the dates chosen above).")

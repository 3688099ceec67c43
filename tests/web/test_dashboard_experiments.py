"""The dashboard's experiments in real Chromium: a supervisor starts one from the form, its contacts arrive,
the results chart shows each arm's resolution with its interval, the difference and the sample size needed,
and the stop button ends it."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from playwright.async_api import Page, expect

from assist.stores.sql import Database
from assist.stores.tables import Customer, Interaction
from tests.conftest import LiveServer
from tests.web.conftest import WIDE_VIEWPORT, assert_accessible, screenshot, sign_in

pytestmark = pytest.mark.browser


async def close_contacts(server: LiveServer, experiment_id: str, arm: str, n: int, resolved: int) -> None:
    """``n`` closed contacts served under ``arm``, the first ``resolved`` of them resolved."""
    customer_id = f"C-{experiment_id}"
    ended = datetime.now(UTC) - timedelta(minutes=1)
    db = Database(server.settings.resolved_database_url)
    try:
        async with db.session() as s:
            if await s.get(Customer, customer_id) is None:
                s.add(Customer(id=customer_id))
                await s.flush()
            for i in range(n):
                s.add(Interaction(id=f"I-{experiment_id}-{arm}-{i}", customer_id=customer_id, channel="chat",
                                  agent_id="A1", started_at=ended - timedelta(minutes=5), ended_at=ended,
                                  intent="refund", outcome="resolved" if i < resolved else "unresolved",
                                  experiment_id=experiment_id, arm=arm))
    finally:
        await db.close()


async def test_a_supervisor_starts_an_experiment_reads_its_results_and_stops_it(page: Page,
                                                                               web_server: LiveServer) -> None:
    queue = f"exp-{uuid.uuid4().hex[:8]}"  # its own queue: no other browser test's contacts fall in it
    name = f"rules vs model {queue}"
    await page.set_viewport_size(WIDE_VIEWPORT)
    await sign_in(page, web_server, "/ui/dashboard.html", web_server.token("S1", "supervisor"))
    await page.fill("#experiment-name", name)
    await page.fill("#experiment-queue", queue)
    await expect(page.locator("#experiment-arms .arm-row")).to_have_count(2)  # rules (control) and model
    await page.click("#experiment-form button[type=submit]")
    await expect(page.locator("#experiments-status")).to_have_text(f'Experiment "{name}" started.')

    async with httpx.AsyncClient() as client:
        listed = (await client.get(web_server.base_url + "/v1/experiments",
                                   headers=web_server.headers("S1", "supervisor"))).json()
    experiment_id = next(x["id"] for x in listed if x["name"] == name)
    block = page.locator(f"[data-experiment='{experiment_id}']")
    await expect(block.locator("[data-status]")).to_have_text("running")
    # Newcombe's example: model 56 of 70 resolved, rules (control) 48 of 80: +20 pts, 95% +5 to +33;
    # 82 contacts per arm are needed to detect it (alpha 0.05, power 0.8), so 70 is underpowered
    await close_contacts(web_server, experiment_id, "rules", 80, 48)
    await close_contacts(web_server, experiment_id, "model", 70, 56)
    await page.click("#refresh")

    chart = block.locator("svg[data-chart=arms]")
    await expect(chart.locator("[data-arm-bar]")).to_have_count(2)
    await expect(chart.locator("[data-whisker]")).to_have_count(2)
    await expect(chart.locator("desc")).to_contain_text("model: 80% resolved of 70")
    await expect(block.locator("svg[data-chart=lift] line[data-lift=model]")).to_have_count(1)
    await expect(block.locator("[data-comparison=model] [data-difference]")).to_have_text(
        "model vs rules: resolution +20 pts (95% interval +5 pts to +33 pts).")
    await expect(block.locator("[data-comparison=model] [data-needed]")).to_contain_text("82 contacts per arm")
    await expect(block.locator("[data-underpowered]")).to_contain_text("Underpowered: 70 contacts")
    await expect(block.locator("tr[data-arm=rules] td").first).to_have_text("80")
    await block.scroll_into_view_if_needed()
    await screenshot(page, "dashboard-experiments")
    await assert_accessible(page, "dashboard-experiments")

    await block.locator(f"[data-stop='{experiment_id}']").click()
    await expect(page.locator("#experiments-status")).to_have_text(f'Experiment "{name}" stopped.')
    await expect(block.locator("[data-status]")).to_have_text("stopped")
    await expect(block.locator("[data-stop]")).to_have_count(0)

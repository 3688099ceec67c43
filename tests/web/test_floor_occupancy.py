"""The live floor's queue table shows each queue's occupancy and how many agents are staffed for it, as the
floor endpoint reports them (updates paused; this test's floor does not move meanwhile)."""

from __future__ import annotations

import httpx
import pytest
from playwright.async_api import Page, expect

from tests.web.conftest import WIDE_VIEWPORT, World, sign_in

pytestmark = pytest.mark.browser


def shown(rate: float | None) -> str:
    """How the dashboard writes a rate (dom.js ``percent``)."""
    return "–" if rate is None else f"{round(rate * 100)}%"


async def test_the_floor_table_shows_each_queue_s_occupancy_and_staffed(page: Page, world: World) -> None:
    await page.set_viewport_size(WIDE_VIEWPORT)
    await sign_in(page, world.server, "/ui/dashboard.html", world.server.token("S1", "supervisor"))
    table = page.get_by_test_id("floor-queues")
    await expect(table.get_by_role("columnheader", name="Occupancy now")).to_be_visible()
    await page.get_by_role("button", name="Pause updates").click()
    floor = httpx.get(f"{world.server.base_url}/v1/supervision/floor",
                      headers=world.server.headers("S1", "supervisor")).json()
    default = next(q for q in floor["queues"] if q["queue"] == "default")
    row = table.locator("[data-queue-row=default]")
    await expect(row.locator("[data-col='8']")).to_have_text(shown(default["occupancy"]))
    await expect(row.locator("[data-col='9']")).to_have_text(str(default["staffed"]))

"""Who is calling, in the panel at 380 px (and 1280 px): an ambiguous caller is picked from masked candidates after
verifying, and agents listed anywhere sort the way people count."""

from __future__ import annotations

import pytest
from playwright.async_api import Page, expect

from tests.conftest import LiveServer
from tests.web.conftest import World, assert_accessible, panel_online, screenshot
from tests.web.narrow import narrow, shot, sized

__all__ = ["narrow", "sized"]  # the fixture, imported to be found

pytestmark = pytest.mark.browser


async def test_an_ambiguous_caller_is_picked_from_masked_candidates(sized: Page, web_server: LiveServer) -> None:
    first = await World(web_server).seed()
    second = World(web_server)
    second.phone = first.phone                              # a shared landline: two customers match
    await second.seed()
    await panel_online(sized, web_server, first.agent)
    session_id = first.offer(identifiers={"phone": first.phone}, channel="phone")
    await sized.locator(f"[data-offer-id='{session_id}']").get_by_role("button", name="Accept").click()
    customer = sized.get_by_role("region", name="Customer")
    candidates = customer.get_by_test_id("candidates")
    await expect(candidates.get_by_role("radio")).to_have_count(2)
    await expect(candidates).to_contain_text("S. · account ending 7781 · last contact")
    assert first.customer not in await customer.inner_text() and "Sam Carter" not in await customer.inner_text()
    await screenshot(sized, shot(sized, "candidates"))
    await assert_accessible(sized, shot(sized, "candidates"))

    await candidates.get_by_role("radio").first.check()
    await candidates.get_by_role("button", name="Confirm verified customer").click()
    await expect(customer).to_contain_text("Sam Carter")
    await expect(customer.get_by_test_id("candidates")).to_have_count(0)
    await screenshot(sized, shot(sized, "candidate-picked"))


async def test_agents_sort_the_way_people_count(narrow: Page, world: World) -> None:
    await narrow.goto(world.server.base_url + "/ui/")
    ordered = await narrow.evaluate(
        "import('./js/dom.js').then(m => ['A10', 'A2', 'A11', 'A1', 'a3'].sort(m.naturalCompare))")
    assert ordered == ["A1", "A2", "a3", "A10", "A11"]

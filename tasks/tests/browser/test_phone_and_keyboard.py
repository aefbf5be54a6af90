"""The top bar on a phone and at 200% zoom (the 菜单 button folds the menus), the skip link, and
focus drawn by the app, in a real browser."""

import pytest
from playwright.sync_api import expect

from departments.roles import STAFF, create_account

from .conftest import PASSWORD, PHONE, VIEWPORT, ZOOMED, log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

FOCUS_RING = "rgb(11, 87, 208) solid 3px"  # --focus in static/css/app.css


@pytest.fixture
def fagui(anshan):
    return create_account("fagui", STAFF, departments=["政策法规科"], password=PASSWORD)


@pytest.mark.parametrize("viewport", [PHONE, ZOOMED], ids=["phone", "200%"])
def test_on_a_narrow_screen_the_menu_button_opens_the_top_bar(page, fagui, viewport):
    page.set_viewport_size(viewport)
    log_in(page, "fagui")
    menu = page.get_by_role("button", name="菜单")
    my_measures = page.get_by_role("navigation", name="主导航").get_by_role("link", name="我的任务")
    expect(menu).to_have_attribute("aria-expanded", "false")
    expect(my_measures).to_be_hidden()
    assert page.locator(".topbar").bounding_box()["height"] < 60  # one row, not three

    menu.click()
    expect(menu).to_have_attribute("aria-expanded", "true")
    expect(page.get_by_role("navigation", name="账户").get_by_role("link", name="通知")).to_be_visible()
    my_measures.click()
    expect(page.get_by_role("heading", name="我的任务", level=1)).to_be_visible()

    page.get_by_role("button", name="菜单").click()
    page.keyboard.press("Escape")  # closes the menu again, focus back on its button
    expect(menu).to_have_attribute("aria-expanded", "false")
    expect(menu).to_be_focused()
    expect(my_measures).to_be_hidden()


def test_at_desk_width_the_menus_show_without_a_button(page, fagui):
    log_in(page, "fagui")
    expect(page.get_by_role("button", name="菜单")).to_be_hidden()
    expect(page.get_by_role("navigation", name="主导航").get_by_role("link", name="我的任务")).to_be_visible()
    assert page.viewport_size == VIEWPORT


def test_the_first_tab_stop_is_the_skip_link_and_it_leads_to_the_content(page, fagui):
    log_in(page, "fagui")
    page.goto("/my/")
    page.keyboard.press("Tab")
    skip = page.get_by_role("link", name="跳到正文")
    expect(skip).to_be_focused()
    box = skip.bounding_box()
    assert box["y"] >= 0 and box["height"] > 0  # shown once focused, not left off the screen
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "main"
    page.keyboard.press("Tab")  # the next stop is in the content, past the top bar
    assert page.evaluate("document.activeElement.closest('main') !== null")


def test_the_app_draws_the_focus_of_links_buttons_and_fields(page, fagui):
    log_in(page, "fagui")
    page.goto("/measures/")
    for control in (page.get_by_role("button", name="筛选"), page.get_by_role("link", name="清除"), page.get_by_label("部门")):
        control.focus()
        page.keyboard.press("Shift+Tab")  # focus by keyboard: :focus-visible applies
        page.keyboard.press("Tab")
        expect(control).to_be_focused()
        outline = control.evaluate("e => { const s = getComputedStyle(e); return `${s.outlineColor} ${s.outlineStyle} ${s.outlineWidth}`; }")
        assert outline == FOCUS_RING, control

"""The assignment board by keyboard: one Tab stop per card, a skip link per column, arrow keys
inside, Alt+↑/↓ to move, and focus back on the moved card after every move (JavaScript on or off)."""
from playwright.sync_api import expect

from tests.browser.conftest import shoot
from tests.browser.pages import AssignmentBoard
from tests.factories import add_member, make_group, make_vm

DB_COLUMN = "VMs in db, in priority order"


def _fleet():
    """30 ungrouped VMs and two groups of five: the column a test wants is the third."""
    for n in range(30):
        make_vm(f"loose-{n:02d}")
    cards = {}
    for name in ("app", "db"):
        group = make_group(name)
        for n in range(1, 6):
            vm = make_vm(f"{name}-{n}")
            add_member(group, vm, priority=n)
            cards[vm.vm_name] = vm.context_id
    return cards


def _focused_card(page) -> str | None:
    return page.evaluate("() => { const c = document.activeElement.closest('[data-context-id]');"
                         " return c ? c.querySelector('.vm-card-name').textContent : null; }")


def test_a_card_in_the_third_column_is_a_few_tabs_away_and_alt_up_moves_it_keeping_focus(page):
    _fleet()
    board = AssignmentBoard(page).open()
    page.get_by_role("button", name="Assign selected").focus()  # the last control above the board
    tabs = 0

    def tab():
        nonlocal tabs
        page.keyboard.press("Tab")
        tabs += 1

    tab()
    expect(page.get_by_role("link", name="Skip to next column").first).to_be_focused()
    page.keyboard.press("Enter")  # to the app column
    expect(page.get_by_role("heading", name="app")).to_be_focused()
    tab()
    page.keyboard.press("Enter")  # to the db column
    expect(page.get_by_role("heading", name="db")).to_be_focused()
    tab()  # db's skip link
    tab()  # db's first card
    assert _focused_card(page) == "db-1"
    assert tabs == 4

    page.keyboard.press("ArrowDown")
    page.keyboard.press("ArrowDown")
    assert _focused_card(page) == "db-3"
    page.keyboard.press("ArrowRight")  # the card's other controls: details, ↑
    page.keyboard.press("ArrowRight")
    expect(page.get_by_role("button", name="Move db-3 up")).to_be_focused()
    page.keyboard.press("ArrowLeft")
    page.keyboard.press("ArrowLeft")
    expect(page.get_by_role("checkbox", name="db-3", exact=True)).to_be_focused()

    page.keyboard.press("Alt+ArrowUp")
    expect(page.locator("#assignment-board").get_by_role("status")).to_contain_text("New order saved")
    assert board.names_in(DB_COLUMN) == ["db-1", "db-3", "db-2", "db-4", "db-5"]
    assert _focused_card(page) == "db-3", "focus comes back to the moved card, not <body>"
    page.keyboard.press("Alt+ArrowUp")
    expect(page.get_by_role("button", name="Move db-3 up")).to_be_disabled()
    assert board.names_in(DB_COLUMN)[0] == "db-3" and _focused_card(page) == "db-3"
    shoot(page, "assignment-keyboard")

    page.keyboard.press("Tab")  # one Tab stop per card: the next Tab is the next card
    assert _focused_card(page) == "db-1"
    page.reload()
    assert board.names_in(DB_COLUMN) == ["db-3", "db-1", "db-2", "db-4", "db-5"]


def test_pressing_a_move_button_and_dragging_keep_focus_on_the_moved_card(page):
    _fleet()
    board = AssignmentBoard(page).open()
    page.get_by_role("button", name="Move app-2 down").click()
    expect(page.locator("#assignment-board").get_by_role("status")).to_contain_text("New order saved")
    assert board.names_in("VMs in app, in priority order")[:3] == ["app-1", "app-3", "app-2"]
    assert _focused_card(page) == "app-2"

    board.drag("loose-00", board.column(DB_COLUMN))
    expect(board.column(DB_COLUMN).get_by_text("loose-00", exact=True)).to_be_visible()
    # The dragged card is in its new column at once; focus lands on it once the saved board is in.
    expect(page.locator("[data-context-id]:focus-within .vm-card-name")).to_have_text("loose-00")


def test_without_javascript_a_move_posts_and_comes_back_to_the_moved_card(no_js_page):
    cards = _fleet()
    page = no_js_page
    board = AssignmentBoard(page).open()
    page.get_by_role("button", name="Move db-4 up").click()
    page.wait_for_url(f"**/assignment/#vm-card-{cards['db-4']}")
    expect(page.get_by_text("New order saved.")).to_be_visible()
    assert board.names_in(DB_COLUMN) == ["db-1", "db-2", "db-4", "db-3", "db-5"]
    assert page.evaluate("() => document.querySelector(':target').id") == f"vm-card-{cards['db-4']}"
    page.keyboard.press("Tab")  # the keyboard goes on from the moved card
    assert _focused_card(page) == "db-4"
    # The skip links work without JavaScript too.
    page.get_by_role("link", name="Skip to next column").first.focus()
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name="app")).to_be_focused()


def test_enter_on_a_cards_tick_box_ticks_it_and_submits_nothing(page):
    _fleet()
    AssignmentBoard(page).open()
    navigations = []
    page.on("framenavigated", lambda frame: navigations.append(frame.url))
    box = page.get_by_role("checkbox", name="db-2", exact=True)
    box.focus()
    page.keyboard.press("Enter")
    expect(box).to_be_checked()
    expect(box).to_be_focused()
    page.keyboard.press("Enter")
    expect(box).not_to_be_checked()
    page.wait_for_timeout(500)
    assert navigations == [] and page.get_by_text("Select at least one VM").count() == 0

"""Small page objects for the browser tests: what an operator does, in their words."""
from __future__ import annotations

from playwright.sync_api import Page, expect


class ScheduleForm:
    def __init__(self, page: Page):
        self.page = page
        self.preview = page.locator("#schedule-preview")

    def open_new(self) -> "ScheduleForm":
        self.page.goto("/schedules/")
        self.page.get_by_role("link", name="New schedule").click()
        return self

    def name(self, value: str) -> None:
        self.page.get_by_label("Name", exact=True).fill(value)

    def frequency(self, label: str) -> None:
        self.page.get_by_role("radio", name=label).check()

    def weekday(self, label: str) -> None:
        self.page.get_by_role("checkbox", name=label, exact=True).check()  # not the week grid's hours

    def at(self, clock: str) -> None:
        self.page.get_by_label("At (hh:mm)").fill(clock)

    def timezone(self, zone: str) -> None:
        self.page.get_by_label("Timezone").select_option(zone)

    def save(self) -> None:
        self.page.get_by_role("button", name="Create schedule").or_(
            self.page.get_by_role("button", name="Save schedule")).click()


class AssignmentBoard:
    def __init__(self, page: Page):
        self.page = page

    def open(self) -> "AssignmentBoard":
        self.page.goto("/assignment/")
        return self

    def column(self, name: str):
        return self.page.get_by_role("list", name=name)

    def card(self, vm_name: str):
        return self.page.locator(".vm-card", has=self.page.get_by_text(vm_name, exact=True))

    def drag(self, vm_name: str, target, *, above=None) -> None:
        """Drag a card onto a column (or above another card) with the mouse, as an operator does."""
        source = self.card(vm_name).locator(".vm-card-name")
        source.scroll_into_view_if_needed()
        box = source.bounding_box()
        self.page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
        self.page.mouse.down()
        drop = (above or target).bounding_box()
        y = drop["y"] + (4 if above is not None else drop["height"] - 8)
        self.page.mouse.move(box["x"] + 10, box["y"] + 10, steps=4)
        self.page.mouse.move(drop["x"] + drop["width"] / 2, y, steps=12)
        self.page.mouse.move(drop["x"] + drop["width"] / 2, y + 1, steps=2)
        self.page.mouse.up()
        expect(self.page.locator("#assignment-board")).not_to_have_attribute("aria-busy", "true")

    def names_in(self, column_name: str) -> list[str]:
        return self.column(column_name).locator(".vm-card-name").all_inner_texts()

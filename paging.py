"""Page arithmetic shared by every paged list: the page count, the checks of `page` and
`per_page` (errors naming the field), and the page of results itself."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from domain_errors import ValidationError

T = TypeVar("T")


def page_count(total: int, per_page: int) -> int:
    """How many pages `total` rows fill, at least one (an empty list still shows page 1)."""
    return max(1, -(-total // per_page))


def check_paging(page: Any, per_page: Any, max_per_page: int) -> None:
    """ValidationError naming `page` or `per_page` unless both are whole numbers in range."""
    if not isinstance(page, int) or isinstance(page, bool) or page < 1:
        raise ValidationError("page", "must be a whole number of at least 1")
    if not isinstance(per_page, int) or isinstance(per_page, bool) or not 1 <= per_page <= max_per_page:
        raise ValidationError("per_page", f"must be between 1 and {max_per_page}")


@dataclass(frozen=True)
class Page(Generic[T]):
    """One page of a list, with the total over all pages."""

    items: list[T]
    page: int
    per_page: int
    total: int

    @property
    def pages(self) -> int:
        return page_count(self.total, self.per_page)

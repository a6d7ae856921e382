"""The single exception type of the package, carrying the form field it is about."""
from __future__ import annotations

#: Field keys a ``CronError`` can name, in the order the fields appear in an expression.
#: ``cron_expression`` is used for problems with the expression as a whole.
FIELD_KEYS = (
    "cron_expression",
    "second",
    "minute",
    "hour",
    "day_of_month",
    "month",
    "day_of_week",
    "timezone",
    "frequency",
)

_LABELS = {"day_of_month": "day-of-month", "day_of_week": "day-of-week"}


class CronError(ValueError):
    """A schedule that cannot be accepted.

    ``field`` tells a form which input to highlight; ``message`` is the explanation without the
    field name; ``str(error)`` is the full sentence shown to the operator, prefixed with the
    field's name unless the problem concerns the whole expression.
    """

    def __init__(self, field: str, message: str):
        if field not in FIELD_KEYS:
            raise ValueError(f"unknown cron error field {field!r}")
        self.field = field
        self.message = message
        super().__init__(self.__str__())

    def __str__(self) -> str:
        if self.field == "cron_expression":
            return self.message
        return f"{field_label(self.field)}: {self.message}"

    def __reduce__(self):
        return (type(self), (self.field, self.message))


def field_label(field: str) -> str:
    """The name of a field as operators read it (``day-of-month`` rather than ``day_of_month``)."""
    return _LABELS.get(field, field)

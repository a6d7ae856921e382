"""Sample values for the URL map's path parameters, for tests that request every route."""
from __future__ import annotations

import uuid

from werkzeug.routing import AnyConverter, FloatConverter, IntegerConverter, UUIDConverter


def sample_value(converter):
    """A value the converter accepts: the route is reached (its view decides what is found)."""
    if isinstance(converter, IntegerConverter):
        return 1
    if isinstance(converter, FloatConverter):
        return 1.0
    if isinstance(converter, UUIDConverter):
        return uuid.UUID(int=1)
    if isinstance(converter, AnyConverter):
        return converter.items[0] if hasattr(converter, "items") else converter.regex.split("|")[0].strip("(?:)")
    return "x"

"""Confirmation of destructive form posts without JavaScript.

A destructive form (delete, revoke, disable) carries `data-confirm`: with JavaScript the browser
asks and, on yes, the form is posted with `confirm=yes`. Without JavaScript the first post has no
`confirm`, so instead of acting the view answers a page that asks the question, with a Confirm
button (the same post again, with `confirm=yes`) and a Cancel link back.
"""
from __future__ import annotations

from flask import render_template, request

CONFIRM_FIELD = "confirm"


def confirmed() -> bool:
    """Whether this post says yes to its question."""
    return request.form.get(CONFIRM_FIELD) == "yes"


def confirmation_page(question: str, cancel_url: str, button: str = "Confirm", detail: str | None = None):
    """The page that asks `question` and re-posts this form's fields with confirm=yes."""
    fields = [(name, value) for name, values in request.form.lists() if name not in ("csrf_token", CONFIRM_FIELD)
              for value in values]
    return render_template("confirm.html", question=question, detail=detail, button=button, fields=fields,
                           action=request.full_path.rstrip("?"), cancel_url=cancel_url), 200

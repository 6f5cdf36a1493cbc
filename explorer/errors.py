"""Errors the logic raises for what a user gave it, each with a ``kind`` that keys its translated
message (``explorer.i18n``) and ``details`` that fill it. The UI turns them into messages
(``explorer.ui.common.friendly``); nothing here knows the user's language."""
from __future__ import annotations


class InputError(ValueError):
    """Input the tab cannot use (a missing upload, an empty drawing, a malformed kernel); ``kind``
    keys the translated message ``err_<kind>``."""

    def __init__(self, kind: str, **details):
        super().__init__(f"{kind}: {details}")
        self.kind, self.details = kind, details


class TextError(InputError):
    """Text a tab cannot use (an empty sentence, too many sentences...); ``kind`` keys the
    translated message ``err_<kind>``, whose placeholders ``details`` fill."""

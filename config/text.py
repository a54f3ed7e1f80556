"""Text that a database cannot store, said as a sentence.

PostgreSQL text cannot hold a NUL byte, and a lone surrogate (half of a UTF-16 pair, as
JSON's "\\ud800" escapes allow) is no character at all: neither may reach a query.
"""

from __future__ import annotations

import re

_SURROGATE = re.compile("[\ud800-\udfff]")


def unstorable(text: str) -> str | None:
    """Why ``text`` cannot be stored, or None when it can."""
    if "\x00" in text:
        return "must not contain NUL bytes"
    if _SURROGATE.search(text):
        return "must not contain lone surrogates (broken Unicode)"
    return None

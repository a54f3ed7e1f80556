"""Usernames compared as a reader sees them: case-insensitively and confusable-insensitively.

`alice`, `Alice`, `аlice` (a Cyrillic а) and `a1ice` read alike on a page, so only one of
them may be taken, and none of them may pass for a reserved name such as `admin`. The
comparison key is a skeleton in the sense of Unicode TR39 (UTS #39, section 4): NFKC, then
each character replaced by the prototype it is confusable with, case folded (and mapped
again, for capitals that fold to a look-alike). The
mapping below is the part of TR39's confusables table that matters for usernames that
Django's validator lets through (letters, digits and @ . + - _): the Cyrillic and Greek
letters that look like Latin ones, and the digits and capitals read as letters.
"""

# The table below is of look-alike letters by design.
# ruff: noqa: RUF001, RUF002

from __future__ import annotations

import unicodedata

# Confusable -> prototype, from TR39's confusables.txt (lower-case prototypes: the key is
# case folded afterwards; an upper-case look-alike is listed when its lower case is not one).
CONFUSABLES: dict[str, str] = {
    # Digits and Latin letters read as other letters.
    "0": "o",
    "1": "l",
    "I": "l",  # capital i, in most sans-serif faces
    "|": "l",
    "ı": "i",  # dotless i
    "ſ": "f",  # long s
    # Cyrillic.
    "а": "a",
    "в": "b",
    "е": "e",
    "ё": "ë",
    "һ": "h",
    "і": "i",
    "ї": "ï",
    "ј": "j",
    "к": "k",
    "м": "m",
    "н": "h",
    "о": "o",
    "р": "p",
    "с": "c",
    "т": "t",
    "у": "y",
    "х": "x",
    "ѕ": "s",
    "ԁ": "d",
    "ԛ": "q",
    "ԝ": "w",
    "ѡ": "w",
    "ү": "y",
    "ɡ": "g",
    # Greek.
    "α": "a",
    "β": "b",
    "γ": "y",
    "ε": "e",
    "η": "n",
    "ι": "i",
    "κ": "k",
    "ν": "v",
    "ο": "o",
    "ρ": "p",
    "τ": "t",
    "υ": "u",
    "χ": "x",
    "ω": "w",
    "ϲ": "c",
    "ϳ": "j",
}

# Names a newcomer may not take: they would pass for the site or its staff.
RESERVED_USERNAMES = frozenset(
    {
        "admin",
        "administrator",
        "admins",
        "staff",
        "root",
        "system",
        "sysadmin",
        "support",
        "hindsight",
        "api",
        "null",
        "none",
        "undefined",
        "anonymous",
        "moderator",
        "security",
        "webmaster",
        "postmaster",
        "hostmaster",
        "abuse",
        "noreply",
        "no-reply",
    }
)


def _prototypes(text: str) -> str:
    return "".join(CONFUSABLES.get(character, character) for character in text)


def _skeleton(text: str, *, read_capitals: bool) -> str:
    if read_capitals:
        # A capital read as the letter it looks like (I as l) before case is folded.
        text = _prototypes(text)
    text = _prototypes(unicodedata.normalize("NFD", text).casefold())
    return unicodedata.normalize("NFC", text)


def username_skeletons(username: str) -> frozenset[str]:
    """The keys under which a reader could take this username for another: two names that
    share one read alike.

    Two, because case and look-alikes pull apart on a capital I: `ALICE` is `alice` in
    another case, and also `AlICE` read with an l; each reading has its key.
    """
    text = unicodedata.normalize("NFKC", username)
    return frozenset({_skeleton(text, read_capitals=False), _skeleton(text, read_capitals=True)})


_RESERVED_SKELETONS = frozenset().union(*(username_skeletons(n) for n in RESERVED_USERNAMES))


def username_is_reserved(username: str) -> bool:
    return bool(username_skeletons(username) & _RESERVED_SKELETONS)


# Deleted accounts are shown as `deleted-<n>` (registry/account_services.py): a newcomer's
# name may not read as one, or it could pass for a deleted forecaster's record.
_DELETED_PREFIX = "deleted-"


def username_reads_as_deleted(username: str) -> bool:
    return any(
        skeleton.replace("_", "-").replace(".", "-").startswith(_DELETED_PREFIX)
        for skeleton in username_skeletons(username)
    )

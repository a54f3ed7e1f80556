"""Small text helpers the stages share: matching-friendly quotes, quoted passages blanked."""

from __future__ import annotations

import re

_NORMALIZE = str.maketrans(
    {
        "\u2019": "'",
        "\u2018": "'",
        "\u02bc": "'",
        "\u2032": "'",
        "\u201c": '"',
        "\u201d": '"',
        "\u2013": "-",
        "\u2014": "-",
        "\u2212": "-",
        "\u00a0": " ",
    }
)
_QUOTED = re.compile(r'"[^"\n]*"')


def normalize(text: str) -> str:
    """Straight apostrophes, quotes and dashes for matching; the same length as `text`."""
    return text.translate(_NORMALIZE)


def blank_quotes(text: str) -> str:
    """Quoted passages replaced by spaces (someone else's words, not the author's)."""
    return _QUOTED.sub(lambda match: " " * len(match.group()), text)

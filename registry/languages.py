"""Which language a text is in, as far as importing needs to know: is it English?

The claim finder reads English only, so an import asks of every text whether it is
English, and names the language when it is plainly not. The guess counts, among the first
few thousand words, the share that are common words of each language (jusText's stop-word
lists, the ones trafilatura uses, for a hundred languages). A text without spaces between
words (Chinese, Japanese) is judged by its script. Unsure (too few words, a list of bets
with hardly any common words) is not a refusal: the text goes to the finder, which skips
what it cannot read.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

import justext

WORD = re.compile(r"[^\W\d_]+")
SAMPLE_WORDS = 3000
MIN_WORDS = 20
# English when at least this share of the words are common English words (plain English
# prose runs at 0.4-0.6, a list of "X: 70%" bets at about 0.2).
ENGLISH_SHARE = 0.15
# Another language when its common words are at least this share, and this much above
# English's.
OTHER_SHARE = 0.2
OTHER_MARGIN = 0.1
# Lists within this share of the best are a tie, settled in favour of the commoner language.
TIE = 0.05
# Under this share of Latin letters, a text is in another script.
LATIN_SHARE = 0.5

# Codes of the languages an import is most likely to meet (jusText names its lists).
CODES = {
    "English": "en",
    "German": "de",
    "French": "fr",
    "Spanish": "es",
    "Italian": "it",
    "Portuguese": "pt",
    "Dutch": "nl",
    "Swedish": "sv",
    "Danish": "da",
    "Norwegian_Bokmal": "nb",
    "Finnish": "fi",
    "Polish": "pl",
    "Czech": "cs",
    "Slovak": "sk",
    "Hungarian": "hu",
    "Romanian": "ro",
    "Turkish": "tr",
    "Indonesian": "id",
    "Russian": "ru",
    "Ukrainian": "uk",
    "Greek": "el",
    "Catalan": "ca",
    "Croatian": "hr",
    "Serbian": "sr",
    "Vietnamese": "vi",
    "Arabic": "ar",
    "Hebrew": "he",
    "Hindi": "hi",
    "Persian": "fa",
    "Korean": "ko",
}
SCRIPTS = (
    (re.compile("[\u3040-\u30ff]"), "ja", "Japanese"),
    (re.compile("[\uac00-\ud7af]"), "ko", "Korean"),
    (re.compile("[\u4e00-\u9fff]"), "zh", "Chinese"),
)


@dataclass(frozen=True)
class Language:
    """A guess: `english` is None when unsure; `code` and `name` say what it reads as."""

    english: bool | None
    code: str  # "en", "de", ...; "und" when not known
    name: str


UNSURE = Language(english=None, code="und", name="an unknown language")
ENGLISH = Language(english=True, code="en", name="English")
OTHER_SCRIPT = Language(english=False, code="und", name="a language not written in Latin letters")


@lru_cache(maxsize=1)
def _stop_words() -> dict[str, frozenset[str]]:
    return {
        name: frozenset(justext.get_stoplist(name))
        for name in justext.get_stoplists()
        if name != "Simple_English"
    }


def text_language(text: str, *, declared: str | None = None) -> Language:
    """What language `text` is in; `declared` is what its page said (`<html lang>`), which
    counts when the words leave the question open."""
    words = WORD.findall(text[: SAMPLE_WORDS * 12].lower())[:SAMPLE_WORDS]
    letters = "".join(words)
    latin = not letters or sum(char < "\u0250" for char in letters) / len(letters) >= LATIN_SHARE
    if not latin:
        for pattern, code, name in SCRIPTS:
            if pattern.search(letters):
                return Language(english=False, code=code, name=name)
    if len(words) < MIN_WORDS:
        return _declared(declared) if latin else OTHER_SCRIPT
    lists = _stop_words()
    shares = {
        name: sum(word in common for word in words) / len(words) for name, common in lists.items()
    }
    english = shares.pop("English")
    if english >= ENGLISH_SHARE:
        return ENGLISH
    best = max(shares.values())
    if best < OTHER_SHARE or best < english + OTHER_MARGIN:
        return _declared(declared) if latin else OTHER_SCRIPT
    tied = [name for name, share in shares.items() if share >= best - TIE]
    name = next((name for name in CODES if name in tied), max(tied, key=shares.__getitem__))
    return Language(english=False, code=CODES.get(name, "und"), name=name.replace("_", " "))


def _declared(declared: str | None) -> Language:
    if not declared:
        return UNSURE
    if declared == "en":
        return ENGLISH
    name = next((name for name, code in CODES.items() if code == declared), declared)
    return Language(english=False, code=declared[:12], name=name.replace("_", " "))

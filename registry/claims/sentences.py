"""Stage 1: the units a forecast is proposed on — sentences, list items and label lines.

The text is cut into blocks (paragraphs and list items; a wrapped line that continues a
sentence stays in its block), then the language pipeline splits each English block into
sentences. A list item or a label line with no verb ("US enters a recession: 10%") is one
unit. A line that holds nothing but a probability ("Probability: 75%", "(70%)") is not a
unit of its own: it is kept as the probability of the unit before it.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from itertools import pairwise

from registry.claims.nlp import english
from registry.claims.passage import Passage, Unit
from registry.claims.probability import probability_only_line

BULLET = re.compile(
    r"[ \t]*(?:[-*+\u2022\u2023\u25e6\u25aa\u25cf\u2013\u2014\u2219]|\d{1,3}[.)]|[a-z]\)"
    r"|\(\d{1,3}\)|\([a-z]\)|\[[ xX]\])[ \t]+"
)
_STOP_AT_END = re.compile(r"[.!?:;\u2026][\"'\u201d\u2019)\]]*$")
# A full stop after one of these never ends a sentence (the language model splits some).
NEVER_ENDS = frozenset(
    {
        *("e.g.", "i.e.", "vs.", "cf.", "viz.", "mr.", "mrs.", "ms.", "dr.", "prof.", "st."),
        *("sr.", "jr.", "fig.", "approx.", "ca.", "al.", "no.", "vol.", "pp.", "gov.", "sen."),
        *("rep.", "gen.", "inc.", "corp.", "co.", "jan.", "feb.", "aug.", "sept.", "oct."),
        *("nov.", "dec.", "est."),
    }
)


# "US enters a recession: 10%", "Chances to make the playoffs: 78.6%": a claim and its number.
LABEL = re.compile(
    r"(?:[:|@\u2013\u2014-]|[.;,]\s|[(\[])\s*[(\[]?[<>~\u2264\u2265]?\s*\d{1,3}(?:\.\d+)?\s*%[)\]]?\s*\.?$"
    r"|[:|]\s*(?:0?\.\d+|0|1)\s*$"
)
# "Cloud will shift. (Probability 0.5) TikTok is ...": the number closes the claim before.
_LEADING_PROBABILITY = re.compile(
    r"\(\s*(?:probability|chance|confidence|p)\b[^()]{0,20}\)", re.IGNORECASE
)


# The language pipeline takes at most a million characters at once; a paragraph longer than
# this is read in pieces.
MAX_BLOCK_CHARS = 20_000
# Lone surrogates cannot be encoded for the pipeline; each is read as U+FFFD (one character
# for one, so offsets still point into the original text).
_SURROGATE = re.compile("[\ud800-\udfff]")


def lines(text: str) -> Iterator[tuple[int, int]]:
    """(start, end) of each line, without its line break."""
    offset = 0
    for line in text.split("\n"):
        yield offset, offset + len(line.rstrip("\r"))
        offset += len(line) + 1


def blocks(text: str) -> list[tuple[int, int, bool]]:
    """(start, end, is_list_item) of each paragraph or list item, bullets left out."""
    found: list[list] = []
    current: list | None = None
    for start, end in lines(text):
        line = text[start:end]
        if not line.strip():
            current = None
            continue
        bullet = BULLET.match(line)
        content_start = start + (bullet.end() if bullet else len(line) - len(line.lstrip()))
        content_end = start + len(line.rstrip())
        wrapped = (
            current is not None
            and bullet is None
            and line.lstrip()[:1].islower()
            and not _STOP_AT_END.search(text[current[0] : current[1]])
        )
        if wrapped:
            current[1] = content_end
        else:
            current = [content_start, content_end, bullet is not None]
            found.append(current)
    pieces = []
    for start, end, item in found:
        while end - start > MAX_BLOCK_CHARS:  # a wall of text: cut at a space
            cut = text.rfind(" ", start + MAX_BLOCK_CHARS // 2, start + MAX_BLOCK_CHARS)
            cut = cut if cut > start else start + MAX_BLOCK_CHARS
            pieces.append((start, cut, item))
            start = cut + 1 if text[cut : cut + 1] == " " else cut
        pieces.append((start, end, item))
    return [(start, end, item) for start, end, item in pieces if end > start]


def is_english(text: str) -> bool:
    """Mostly Latin letters: the finder reads English and skips other scripts."""
    letters = [char for char in text if char.isalpha()]
    if not letters:
        # "- ...4000: 50%": numbers belong to the text around them, in any script
        return any(char.isdigit() for char in text)
    latin = sum(1 for char in letters if char < "\u0250")
    return latin / len(letters) >= 0.8


# "I will buy a car: 95% I've already been to dealerships.": the bet ends at its number.
_BET_THEN_COMMENT = re.compile(
    r"[^\n]{3,200}?[:\u2013\u2014]\s*[<>~]?\d{1,3}(?:\.\d+)?\s*%(?=\s+[A-Z\u201c\"(\[])"
)


def _split_bets(spans: list[tuple[int, int, object]], text: str) -> list[tuple[int, int, object]]:
    result = []
    for start, end, span in spans:
        match = _BET_THEN_COMMENT.match(text, start, end)
        if match is None:
            result.append((start, end, span))
            continue
        doc = span.doc
        cut = next((t.i for t in span if t.idx + doc_base(span) >= match.end()), None)
        if cut is None or cut <= span.start:
            result.append((start, end, span))
            continue
        result.append((start, match.end(), doc[span.start : cut]))
        result.append((match.end(), end, doc[cut : span.end]))
    return result


PICK_WORDS = frozenset({"OVER", "UNDER", "PUSH"})


def doc_base(span) -> int:
    """The offset of the span's document in the passage's text (set by `split_units`)."""
    return span.doc.user_data.get("base", 0)


def _sentence_spans(doc, base: int) -> list[tuple[int, int, object]]:
    """The pipeline's sentences, re-joined where it split after an abbreviation."""
    spans: list[list] = []
    for sentence in doc.sents:
        tokens = [token for token in sentence if not token.is_space]
        if not tokens:
            continue
        if spans:
            previous = spans[-1][2]
            last = [token for token in previous if not token.is_space][-1]
            first = tokens[0]
            if (
                last.lower_ in NEVER_ENDS
                or (len(last.text) == 2 and last.text[0].isupper() and last.text[1] == ".")
                or first.text[:1].islower()
                or (first.is_punct and first.text not in "\"'\u201c\u2018([")
                # "This seems unreasonably low. OVER": a pick closes the line it is on
                or (len(tokens) <= 2 and tokens[0].text in PICK_WORDS)
                # "(80%) Bitcoin ends the year above $100k": a leading number opens it
                or (
                    len(spans) == 1
                    and previous.text.lstrip()[:1] in "(["
                    and probability_only_line(previous.text) is not None
                )
            ):
                spans[-1][1] = sentence.end_char
                spans[-1][2] = doc[previous.start : sentence.end]
                continue
        spans.append([sentence.start_char, sentence.end_char, sentence])
    return [(base + start, base + end, span) for start, end, span in spans]


def split_units(passage: Passage) -> Passage:
    """Fill `passage.units` from its text."""
    text = _SURROGATE.sub("\ufffd", passage.text)
    found = blocks(text)
    english_blocks = [(i, b) for i, b in enumerate(found) if is_english(text[b[0] : b[1]])]
    docs = english().pipe(text[start:end] for _, (start, end, _) in english_blocks)
    parsed = {index: doc for (index, _), doc in zip(english_blocks, docs, strict=True)}
    units: list[Unit] = []
    for index, (start, end, item) in enumerate(found):
        block_text = text[start:end]
        stated = probability_only_line(block_text)
        if stated is not None and units and units[-1].language == "en":
            units[-1].next_line_probability = stated
            units[-1].because(f"probability on the next line: “{block_text.strip()}”")
            continue
        doc = parsed.get(index)
        if doc is None:
            units.append(Unit(start, end, passage.text[start:end], block=index, language="other"))
            continue
        doc.user_data["base"] = start
        for unit_start, unit_end, span in _split_bets(_sentence_spans(doc, start), text):
            chunk = text[unit_start:unit_end]
            unit_start += len(chunk) - len(chunk.lstrip())
            unit_end -= len(chunk) - len(chunk.rstrip())
            if unit_end <= unit_start:
                continue
            leading = _LEADING_PROBABILITY.match(text, unit_start, unit_end)
            if leading and units and units[-1].block == index:
                stated = probability_only_line(leading.group())
                if stated is not None:
                    units[-1].next_line_probability = stated
                    units[-1].because(f"probability after it: “{stated.phrase}”")
                    unit_start = leading.end()
                    unit_start += len(text[unit_start:unit_end]) - len(
                        text[unit_start:unit_end].lstrip()
                    )
                    if unit_end <= unit_start:
                        continue
            alone = probability_only_line(text[unit_start:unit_end])
            if alone is not None and units and units[-1].block == index:
                units[-1].next_line_probability = alone
                units[-1].because(f"probability after it: “{alone.phrase}”")
                continue
            kind = "item" if item else "sentence"
            if LABEL.search(text[unit_start:unit_end]):
                kind = "label"
            units.append(
                Unit(
                    unit_start,
                    unit_end,
                    passage.text[unit_start:unit_end],
                    kind=kind,
                    block=index,
                    in_list=item,
                    doc=span,
                )
            )
    for before, unit in pairwise(units):
        unit.previous = before
    passage.units = units
    return passage

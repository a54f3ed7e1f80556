"""The ``news_search`` kind's config: its JSON Schema, the checks beyond it, and the GDELT
DOC 2.0 query it stands for.

The query uses GDELT's documented operators only: a quoted exact phrase, ``(a OR b)`` (GDELT
allows parentheses around OR'd terms only, so a one-item group is left bare), terms side by
side for AND, and the ``domainis:``, ``sourcelang:`` and ``sourcecountry:`` filters.
"""

from __future__ import annotations

import re

from resolvers.kinds.schemas import DATE, config_object
from resolvers.kinds.validation import Problems

MAX_RECORDS = 250  # GDELT's ceiling for ArtList's maxrecords
MIN_PHRASE = 3  # GDELT refuses shorter keywords ("too short") instead of searching
# Characters that would break out of a quoted phrase or open an operator group.
PHRASE_BREAKERS = re.compile(r'["()]')
DOMAIN_RE = re.compile(r"^(?!-)[a-z0-9-]{1,63}(?:\.(?!-)[a-z0-9-]{1,63})+$")
WORD_RE = re.compile(r"^[A-Za-z]{2,40}$")

PHRASE = {"type": "string", "minLength": 1, "maxLength": 100}
PHRASES = {"type": "array", "items": PHRASE, "minItems": 1, "maxItems": 20, "uniqueItems": True}

CONFIG_SCHEMA = config_object(
    {
        "terms": {
            **PHRASES,
            "title": "Terms",
            "description": "Words or phrases searched in the full text of news articles "
            "(GDELT also searches machine translations of non-English coverage); each is "
            "searched as an exact phrase, case ignored. At most 20, each 3 characters or more.",
            "examples": [["open-weight", "open weights"]],
        },
        "match": {
            "enum": ["all", "any"],
            "default": "all",
            "title": "Match",
            "description": "all: an article must contain every term; any: at least one.",
        },
        "and_any_of": {
            "type": "array",
            "items": PHRASES,
            "minItems": 1,
            "maxItems": 3,
            "title": "And any of",
            "description": "Further groups of phrases: an article must also contain at least "
            "one phrase of each group (for 'a lab name and a word for trouble').",
            "examples": [[["layoffs", "job cuts"], ["funding round", "valuation"]]],
        },
        "domains": {
            "type": "array",
            "items": {"type": "string", "minLength": 1, "maxLength": 253},
            "minItems": 1,
            "maxItems": 20,
            "uniqueItems": True,
            "title": "Domains",
            "description": "Only articles from these sites, by exact domain (GDELT's domainis:).",
            "examples": [["reuters.com", "ft.com", "scmp.com"]],
        },
        "languages": {
            "type": "array",
            "items": {"type": "string", "minLength": 1, "maxLength": 40},
            "minItems": 1,
            "maxItems": 10,
            "uniqueItems": True,
            "title": "Languages",
            "description": "Only articles in these languages (GDELT's sourcelang:): a language "
            "name or its 3-letter code.",
            "examples": [["english", "chinese"]],
        },
        "source_countries": {
            "type": "array",
            "items": {"type": "string", "minLength": 1, "maxLength": 40},
            "minItems": 1,
            "maxItems": 20,
            "uniqueItems": True,
            "title": "Source countries",
            "description": "Only articles from outlets in these countries (GDELT's "
            "sourcecountry:): the country's name without spaces, or its FIPS code (CH is "
            "China, not Switzerland).",
            "examples": [["unitedstates", "unitedkingdom", "CH"]],
        },
        "since": {
            **DATE,
            "title": "Since",
            "description": "Articles first seen by GDELT on or after this date count.",
            "examples": ["2026-04-15"],
        },
        "until": {
            **DATE,
            "title": "Until",
            "description": "Articles first seen by GDELT after this date (a bare date: after "
            "that day) do not count.",
            "examples": ["2027-12-31"],
        },
        "max_records": {
            "type": "integer",
            "minimum": 1,
            "maximum": MAX_RECORDS,
            "default": MAX_RECORDS,
            "title": "Max records",
            "description": "How many articles to ask GDELT for, newest first (at most 250).",
        },
        "min_articles": {
            "type": "integer",
            "minimum": 1,
            "maximum": MAX_RECORDS,
            "default": 1,
            "title": "Min articles",
            "description": "How many candidate articles it takes to ask staff to review.",
        },
    },
    ["terms"],
    description="Candidate news articles from GDELT for staff to review; it never proposes "
    "an outcome.",
    examples=[
        {
            "terms": ["open-weight", "open weights"],
            "match": "any",
            "and_any_of": [["ban", "prohibit"]],
            "domains": ["reuters.com", "ft.com"],
            "since": "2026-04-15",
            "until": "2027-12-31",
        }
    ],
)


def _check_phrases(phrases: object, field: str, problems: Problems) -> None:
    for index, phrase in enumerate(phrases if isinstance(phrases, list) else []):
        if not isinstance(phrase, str):
            continue
        if PHRASE_BREAKERS.search(phrase):
            problems.add(f"{field}.{index}", 'must not contain " ( or ): each is one phrase')
        elif len(" ".join(phrase.split())) < MIN_PHRASE:
            problems.add(
                f"{field}.{index}", "is too short: GDELT refuses keywords under 3 characters"
            )


def check_config(config: dict, problems: Problems) -> None:
    _check_phrases(config.get("terms"), "terms", problems)
    for index, group in enumerate(config.get("and_any_of", [])):
        _check_phrases(group, f"and_any_of.{index}", problems)
    for index, domain in enumerate(config.get("domains", [])):
        if not DOMAIN_RE.match(domain):
            problems.add(f"domains.{index}", "must be a domain in lower case, e.g. reuters.com")
    for field in ("languages", "source_countries"):
        for index, word in enumerate(config.get(field, [])):
            if not WORD_RE.match(word):
                problems.add(f"{field}.{index}", "must be one word of letters, e.g. english or US")
    problems.when(config, "since", "until")
    problems.ordered(config, "since", "until")
    if config.get("min_articles", 1) > config.get("max_records", MAX_RECORDS):
        problems.add("min_articles", "must not be more than max_records")


def _phrase(text: str) -> str:
    return '"' + " ".join(text.split()) + '"'


def _either(parts: list[str]) -> str:
    return parts[0] if len(parts) == 1 else "(" + " OR ".join(parts) + ")"


def build_query(config: dict) -> str:
    """The GDELT query for the config: ``"a" "b"`` (all) or ``("a" OR "b")`` (any), one
    OR-group per ``and_any_of`` group, then the domain, language and country filters."""
    terms = [_phrase(term) for term in config["terms"]]
    parts = terms if config.get("match", "all") == "all" else [_either(terms)]
    parts += [_either([_phrase(t) for t in group]) for group in config.get("and_any_of", [])]
    for operator, field in (
        ("domainis", "domains"),
        ("sourcelang", "languages"),
        ("sourcecountry", "source_countries"),
    ):
        if config.get(field):
            parts.append(_either([f"{operator}:{value}" for value in config[field]]))
    return " ".join(parts)

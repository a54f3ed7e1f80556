"""The ``http_text`` kind: a regular expression present in, or absent from, a page."""

from __future__ import annotations

import re
from datetime import datetime

from resolvers import fetcher
from resolvers.fetcher import FetchResult
from resolvers.kinds.base import QuestionFacts, ResolverKind, Verdict, decide, require_binary
from resolvers.kinds.schemas import DECIDE_NO_AFTER, FLAGS, HTTP_URL, config_object
from resolvers.kinds.validation import Problems
from resolvers.kinds.values import decode_text, regex_flags, short, status_ok


class HttpTextKind(ResolverKind):
    """A regular expression searched for in a page's raw text (HTML included)."""

    name = "http_text"
    label = "Text on a page (regex present or absent)"
    config_schema = config_object(
        {
            "url": HTTP_URL,
            "pattern": {"type": "string", "minLength": 1, "maxLength": 1000},
            "mode": {"enum": ["present", "absent"]},
            "flags": FLAGS,
            "decide_no_after": DECIDE_NO_AFTER,
        },
        ["url", "pattern", "mode"],
    )

    def check_config(self, config: dict, problems: Problems) -> None:
        problems.url(config)
        problems.regex(config, "pattern", "flags")
        problems.when(config, "decide_no_after")

    def fetch(self, config: dict) -> FetchResult:
        return fetcher.fetch(config["url"])

    def evaluate(
        self, evidence: FetchResult, config: dict, question: QuestionFacts, now: datetime
    ) -> Verdict:
        require_binary(self, question)
        status_ok(evidence, "the page")
        text = decode_text(evidence)
        pattern = config["pattern"]
        match = re.search(pattern, text, regex_flags(config.get("flags")))
        found = match is not None
        value = short(match.group(0), 500) if match else "no match"
        seen = f"found ({short(match.group(0))!r})" if match else "not found"
        measured = f"/{pattern}/ {seen} at {evidence.url}, wanted {config['mode']}"
        met = found if config["mode"] == "present" else not found
        return decide(met, value, measured, config, question, now)

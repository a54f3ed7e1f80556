"""The ``wikipedia`` kind: a Wikipedia page exists, or its text matches."""

from __future__ import annotations

import re
from datetime import datetime
from urllib.parse import urlencode

from resolvers import fetcher
from resolvers.fetcher import FetchResult
from resolvers.kinds.base import QuestionFacts, ResolverKind, Verdict, decide, require_binary
from resolvers.kinds.errors import EvaluationError
from resolvers.kinds.schemas import DECIDE_NO_AFTER, FLAGS, config_object, when_mode
from resolvers.kinds.validation import Problems
from resolvers.kinds.values import api_base, json_body, regex_flags, short, status_ok


class WikipediaKind(ResolverKind):
    """A Wikipedia page through the MediaWiki API: ``page_exists``, or ``text_matches`` (a
    regex searched in the current wikitext). Redirects are followed unless
    ``follow_redirects`` is false. A missing page is "not met"."""

    name = "wikipedia"
    label = "Wikipedia page (exists, or its text matches)"
    config_schema = config_object(
        {
            "mode": {"enum": ["page_exists", "text_matches"]},
            "title": {"type": "string", "minLength": 1, "maxLength": 255},
            "pattern": {"type": "string", "minLength": 1, "maxLength": 1000},
            "flags": FLAGS,
            "follow_redirects": {"type": "boolean", "default": True},
            "decide_no_after": DECIDE_NO_AFTER,
        },
        ["mode", "title"],
        allOf=[when_mode("text_matches", ["pattern"])],
    )

    def check_config(self, config: dict, problems: Problems) -> None:
        if re.search(r"[#<>\[\]|{}]", config["title"]):
            problems.add("title", "is not a valid page title (no # < > [ ] | { })")
        problems.regex(config, "pattern", "flags")
        problems.when(config, "decide_no_after")

    def fetch(self, config: dict) -> FetchResult:
        query = {
            "action": "query",
            "prop": "revisions",
            "rvprop": "content",
            "rvslots": "main",
            "titles": config["title"],
            "format": "json",
            "formatversion": "2",
        }
        if config.get("follow_redirects", True):
            query["redirects"] = "1"
        return fetcher.fetch(f"{api_base('wikipedia')}/w/api.php?{urlencode(query)}")

    def evaluate(
        self, evidence: FetchResult, config: dict, question: QuestionFacts, now: datetime
    ) -> Verdict:
        require_binary(self, question)
        status_ok(evidence, "Wikipedia")
        data = json_body(evidence, "Wikipedia")
        if isinstance(data, dict) and "error" in data:
            error = data["error"] if isinstance(data["error"], dict) else {}
            raise EvaluationError(f"Wikipedia's API refused: {error.get('info', data['error'])}")
        try:
            page = data["query"]["pages"][0]
            title = page["title"]
        except (KeyError, IndexError, TypeError) as exc:
            raise EvaluationError("Wikipedia's answer has no query.pages[0].title") from exc
        if page.get("invalid"):
            raise EvaluationError(f"Wikipedia calls the title invalid: {page.get('invalidreason')}")
        redirected = ""
        redirects = data["query"].get("redirects") or []
        if redirects and isinstance(redirects[0], dict):
            redirected = f" (redirected from {redirects[0].get('from')})"
        page_name = f'Wikipedia page "{title}"{redirected}'
        if page.get("missing"):
            return decide(False, "missing", f"{page_name} does not exist", config, question, now)
        if config["mode"] == "page_exists":
            return decide(True, "exists", f"{page_name} exists", config, question, now)
        try:
            content = page["revisions"][0]["slots"]["main"]["content"]
        except (KeyError, IndexError, TypeError) as exc:
            raise EvaluationError(f"Wikipedia's answer has no content for {title!r}") from exc
        if not isinstance(content, str):
            raise EvaluationError(f"Wikipedia's content for {title!r} is not text")
        pattern = config["pattern"]
        match = re.search(pattern, content, regex_flags(config.get("flags")))
        seen = (
            f"matches /{pattern}/ ({short(match.group(0))!r})"
            if match
            else (f"does not match /{pattern}/")
        )
        value = short(match.group(0), 500) if match else "no match"
        return decide(match is not None, value, f"{page_name} {seen}", config, question, now)

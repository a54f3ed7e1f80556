"""The ``federal_register`` kind: documents in the Federal Register."""

from __future__ import annotations

import re
from datetime import datetime
from urllib.parse import urlencode

from resolvers import fetcher
from resolvers.fetcher import FetchResult
from resolvers.kinds.base import QuestionFacts, ResolverKind, Verdict, decide, require_binary
from resolvers.kinds.errors import EvaluationError
from resolvers.kinds.schemas import DATE, DECIDE_NO_AFTER, TERMS, config_object
from resolvers.kinds.validation import Problems
from resolvers.kinds.values import api_base, json_body, parse_when, short, status_ok

FEDERAL_REGISTER_TYPES = ("RULE", "PRORULE", "NOTICE", "PRESDOCU")


class FederalRegisterKind(ResolverKind):
    """Federal Register documents (the documents.json search API) matching ``terms`` (full
    text, all of them; a term with spaces is searched as a phrase), of the given ``types``,
    published within [since, until]; the API's ``count`` must reach ``min_count``."""

    name = "federal_register"
    label = "Federal Register documents matching terms"
    config_schema = config_object(
        {
            "terms": TERMS,
            "types": {
                "type": "array",
                "items": {"enum": list(FEDERAL_REGISTER_TYPES)},
                "minItems": 1,
                "uniqueItems": True,
            },
            "agencies": {
                "type": "array",
                "items": {"type": "string", "minLength": 1, "maxLength": 200},
                "uniqueItems": True,
            },
            "since": DATE,
            "until": DATE,
            "min_count": {"type": "integer", "minimum": 1, "default": 1},
            "decide_no_after": DECIDE_NO_AFTER,
        },
        ["terms", "since"],
    )

    def check_config(self, config: dict, problems: Problems) -> None:
        problems.when(config, "since", "until", "decide_no_after")
        problems.ordered(config, "since", "until")
        for index, slug in enumerate(config.get("agencies", [])):
            if not re.match(r"^[a-z0-9-]+$", slug):
                problems.add(
                    f"agencies.{index}", "must be an agency slug, e.g. 'commerce-department'"
                )

    @staticmethod
    def search_term(terms: list[str]) -> str:
        return " ".join(f'"{term}"' if " " in term.strip() else term.strip() for term in terms)

    def fetch(self, config: dict) -> FetchResult:
        query: list[tuple[str, str]] = [("conditions[term]", self.search_term(config["terms"]))]
        query += [("conditions[type][]", kind) for kind in config.get("types", [])]
        query += [("conditions[agencies][]", slug) for slug in config.get("agencies", [])]
        query.append(("conditions[publication_date][gte]", parse_when(config["since"]).date()))
        if config.get("until"):
            until = parse_when(config["until"], end_of_day=True).date()
            query.append(("conditions[publication_date][lte]", until))
        query += [("per_page", "20"), ("order", "newest")]
        url = f"{api_base('federal_register')}/api/v1/documents.json?{urlencode(query)}"
        return fetcher.fetch(url, headers={"Accept": "application/json"})

    def evaluate(
        self, evidence: FetchResult, config: dict, question: QuestionFacts, now: datetime
    ) -> Verdict:
        require_binary(self, question)
        status_ok(evidence, "the Federal Register")
        data = json_body(evidence, "the Federal Register")
        if not isinstance(data, dict) or isinstance(data.get("count"), bool):
            raise EvaluationError("the Federal Register's answer has no document count")
        count = data.get("count")
        if not isinstance(count, int):
            raise EvaluationError("the Federal Register's answer has no document count")
        results = data.get("results") or []
        if not isinstance(results, list):
            raise EvaluationError("the Federal Register's results are not a list")
        minimum = config.get("min_count", 1)
        since = parse_when(config["since"]).date()
        window = f"published from {since}"
        if config.get("until"):
            window += f" to {parse_when(config['until'], end_of_day=True).date()}"
        types = "/".join(config.get("types", [])) or "any type"
        newest = ""
        if results and isinstance(results[0], dict) and results[0].get("title"):
            first = results[0]
            newest = (
                f'; newest: "{short(first["title"], 80)}" '
                f"({first.get('publication_date', 'undated')})"
            )
        value = f"{count} document{'' if count == 1 else 's'}"
        measured = (
            f"Federal Register: {value} ({types}) matching {self.search_term(config['terms'])} "
            f"{window}, needed {minimum}{newest}"
        )
        return decide(count >= minimum, str(count), measured, config, question, now)

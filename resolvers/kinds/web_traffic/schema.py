"""The ``web_traffic`` kind's config: its JSON Schema, the checks beyond it, and the month
and request URL the config names."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from urllib.parse import quote, urlencode

from resolvers.kinds.schemas import DATE, DECIDE_NO_AFTER, config_object, when_mode
from resolvers.kinds.secrets import SECRET_REF
from resolvers.kinds.validation import Problems
from resolvers.kinds.values import api_base, parse_when

MODES = ("share", "total")
# Similarweb wants the bare domain in lower case: no scheme, no www., no path ("CNN.COM" and
# "cnn.com/sports" answer "Data not found"). Subdomains such as gemini.google.com are fine.
DOMAIN_RE = re.compile(
    r"^(?!www\.)(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z][a-z0-9-]{0,61}$"
)
MONTH_RE = re.compile(r"^(20\d\d)-(0[1-9]|1[0-2])$")
COUNTRY_RE = re.compile(r"^(?:world|[a-z]{2})$")
MAX_DOMAINS = 40  # one request each, each billed by Similarweb
RELEASE_DAY = 11  # Similarweb publishes a month's data by the 10th of the next month

_DOMAINS = {
    "type": "array",
    "items": {"type": "string", "minLength": 3, "maxLength": 253},
    "minItems": 1,
    "maxItems": 30,
    "uniqueItems": True,
}


def _side(role: str, what: str, example_label: str, example_domains: list[str]) -> dict:
    return {
        "type": "object",
        "properties": {
            "label": {
                "type": "string",
                "minLength": 1,
                "maxLength": 60,
                "description": f"How explanations name {role}.",
                "examples": [example_label],
            },
            "domains": {
                **_DOMAINS,
                "description": f"{what}: bare domains as Similarweb lists them, in lower "
                "case, without https:// or www.",
                "examples": [example_domains],
            },
        },
        "required": ["domains"],
        "additionalProperties": False,
    }


CONFIG_SCHEMA = config_object(
    {
        "mode": {
            "enum": list(MODES),
            "description": "share: the group's share of the visits of the group and the "
            "others together; total: the group's visits summed.",
        },
        "api_key": {
            **SECRET_REF,
            "properties": {
                "secret": {
                    **SECRET_REF["properties"]["secret"],
                    "description": "The name of the Similarweb REST API key the operator "
                    "configured (RESOLVER_SECRETS), never the key itself; it is sent only in "
                    "the api-key header.",
                    "examples": ["SIMILARWEB_KEY"],
                }
            },
            "description": 'The Similarweb REST API key, named as {"secret": "SIMILARWEB_KEY"}.',
        },
        "month": {
            "type": "string",
            "maxLength": 7,
            "title": "Month measured",
            "description": "The calendar month whose total visits are read, as YYYY-MM.",
            "examples": ["2027-12"],
        },
        "group": {
            **_side(
                "the group",
                "The domains whose visits are summed (share: the part counted)",
                "closed-model assistants",
                ["chatgpt.com", "claude.ai"],
            ),
            "description": "The domains whose visits are summed (share: the part counted).",
        },
        "others": {
            **_side(
                "the others",
                "share: the rest of the total, which is the group's visits plus these",
                "open-weight assistants",
                ["chat.deepseek.com", "kimi.com"],
            ),
            "description": "share: the rest of the total (the group's visits plus these).",
        },
        "comparator": {
            "enum": [">", ">=", "<", "<="],
            "default": ">=",
            "description": "How the share or the total compares with the threshold.",
        },
        "threshold": {
            "type": "number",
            "minimum": 0,
            "maximum": 10**13,
            "description": "share: a share between 0 and 1, e.g. 0.85; total: a number of "
            "visits in the month, e.g. 5000000000.",
            "examples": [0.85],
        },
        "country": {
            "type": "string",
            "maxLength": 5,
            "default": "world",
            "description": "world (worldwide), or a two-letter country code in lower case.",
        },
        "main_domain_only": {
            "type": "boolean",
            "default": False,
            "description": "Count the domain alone, without its subdomains (Similarweb's "
            "website pages include subdomains).",
        },
        "inconclusive_without": {
            **_DOMAINS,
            "title": "Inconclusive without",
            "description": "Domains without a figure for the month make the check fail: "
            "nothing is proposed and staff are told why.",
        },
        "annul_without": {
            **_DOMAINS,
            "title": "Annul without",
            "description": "Domains without a figure for the month make the check propose "
            "annulled, as criteria such as 'if chatgpt.com has none, the question is "
            "annulled' say.",
            "examples": [["chatgpt.com"]],
        },
        "annul_if_missing_over": {
            "type": "integer",
            "minimum": 0,
            "maximum": MAX_DOMAINS,
            "title": "Annul if more domains than this lack a figure",
            "description": "When more domains than this have no figure for the month, the "
            "check proposes annulled (e.g. 3 for 'more than three domains have none').",
            "examples": [3],
        },
        "decide_from": {
            **DATE,
            "description": "No outcome is proposed before this date: the month's figures are "
            "published by the 10th of the next month (default: its 11th).",
            "examples": ["2028-01-15"],
        },
        "decide_no_after": DECIDE_NO_AFTER,
    },
    ["mode", "api_key", "month", "group", "threshold"],
    allOf=[when_mode("share", ["others"])],
)


def month_start(config: dict) -> datetime:
    year, month = MONTH_RE.match(config["month"]).groups()
    return datetime(int(year), int(month), 1, tzinfo=UTC)


def month_after(config: dict) -> datetime:
    start = month_start(config)
    return (
        start.replace(year=start.year + 1, month=1)
        if start.month == 12
        else start.replace(month=start.month + 1)
    )


def decide_from(config: dict) -> datetime:
    """From when an outcome may be proposed: the config's ``decide_from``, else the day
    after Similarweb's publication deadline for the month."""
    given = parse_when(config.get("decide_from"))
    return given if given is not None else month_after(config).replace(day=RELEASE_DAY)


def domains(config: dict) -> list[str]:
    """Every domain the config measures, the group's first."""
    return [*config["group"]["domains"], *(config.get("others") or {}).get("domains", [])]


def visits_url(config: dict, domain: str) -> str:
    """Similarweb's "Visits - Total (Desktop & Mobile)" request for one domain and month."""
    query = {
        "start_date": config["month"],
        "end_date": config["month"],
        "country": config.get("country", "world"),
        "granularity": "monthly",
        "main_domain_only": "true" if config.get("main_domain_only") else "false",
        "format": "json",
    }
    path = f"/v1/website/{quote(domain, safe='.-')}/total-traffic-and-engagement/visits"
    return f"{api_base('similarweb')}{path}?{urlencode(query)}"


def check_config(config: dict, problems: Problems) -> None:
    mode = config["mode"]
    if not MONTH_RE.match(config["month"]):
        problems.add("month", "must be a month of this century as YYYY-MM, e.g. 2027-12")
        return  # the dates below are read against the month
    if not COUNTRY_RE.match(config.get("country", "world")):
        problems.add("country", "must be world or a two-letter country code, e.g. us")
    if mode == "total" and "others" in config:
        problems.add("others", "is not a setting of mode total")
    seen: dict[str, str] = {}
    for role in ("group", "others"):
        for index, domain in enumerate((config.get(role) or {}).get("domains", [])):
            where = f"{role}.domains.{index}"
            if not DOMAIN_RE.match(domain):
                problems.add(where, "must be a bare domain in lower case, e.g. chatgpt.com")
            elif domain in seen:
                problems.add(where, f"is already in {seen[domain]}")
            seen.setdefault(domain, role)
    if len(seen) > MAX_DOMAINS:
        problems.add("others", f"the group and the others may hold {MAX_DOMAINS} domains at most")
    for field in ("inconclusive_without", "annul_without"):
        for index, domain in enumerate(config.get(field, [])):
            if domain not in seen:
                problems.add(f"{field}.{index}", "must be one of the domains measured")
    both = set(config.get("inconclusive_without", [])) & set(config.get("annul_without", []))
    if both:
        problems.add("annul_without", f"repeats inconclusive_without: {', '.join(sorted(both))}")
    over = config.get("annul_if_missing_over")
    if over is not None and seen and over >= len(seen):
        problems.add("annul_if_missing_over", f"must be below the {len(seen)} domains measured")
    if mode == "share" and config["threshold"] > 1:
        problems.add("threshold", "is a share, between 0 and 1")
    problems.when(config, "decide_from", "decide_no_after")
    problems.ordered(config, "decide_from", "decide_no_after")
    start = parse_when(config.get("decide_from"))
    if start is not None and start < month_after(config):
        problems.add(
            "decide_from",
            f"must not be before the month measured ends ({config['month']}): its figures "
            "are published after it",
        )
    if seen:
        problems.secret(config, "api_key", visits_url(config, next(iter(seen))))

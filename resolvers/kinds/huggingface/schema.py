"""The ``huggingface`` kind's config: its JSON Schema and the checks beyond it."""

from __future__ import annotations

import re

from resolvers.kinds.schemas import DATE, DECIDE_NO_AFTER, NAME_RE, config_object, when_mode
from resolvers.kinds.validation import Problems
from resolvers.kinds.values import parse_when

MODEL_MODES = ("model_exists", "created_after", "downloads_over", "likes_over")
COHORT_MODES = ("cohort_total", "cohort_share")
MODES = (*MODEL_MODES, "org_download_share", *COHORT_MODES)
MEASURES = ("downloads", "downloads_all_time", "likes", "models")
REPO_ID_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*(/[A-Za-z0-9][A-Za-z0-9_.-]*)?$")
PIPELINE_TAG_RE = re.compile(r"^[a-z0-9][a-z0-9-]*$")

# Settings that only the cohort modes read, and those that only the older modes read: a
# setting of the other family is refused rather than silently ignored.
COHORT_FIELDS = {
    "measure",
    "group",
    "others",
    "pipeline_tags",
    "untagged",
    "created",
    "baseline",
    "comparator",
    "max_pages",
    "decide_from",
}
OLDER_FIELDS = {"repo_id", "after", "all_time", "orgs", "compare_orgs", "limit"}

_ORGS = {
    "type": "array",
    "items": {"type": "string", "minLength": 1, "maxLength": 100},
    "minItems": 1,
    "maxItems": 20,
    "uniqueItems": True,
}


def _selector(role: str) -> dict:
    return {
        "type": "object",
        "properties": {
            "label": {
                "type": "string",
                "minLength": 1,
                "maxLength": 60,
                "description": "How explanations name these models, e.g. U.S.",
            },
            "authors": {
                "type": "array",
                "items": {"type": "string", "minLength": 1, "maxLength": 100},
                "minItems": 1,
                "maxItems": 50,
                "uniqueItems": True,
                "description": "Hub authors (users or organisations); each is listed in full.",
                "examples": [["google", "meta-llama", "nvidia"]],
            },
            "search": {
                "type": "string",
                "minLength": 1,
                "maxLength": 200,
                "description": "The Hub's search filter: a substring of the model id.",
                "examples": ["qwen"],
            },
            "filter": {
                "type": "string",
                "minLength": 1,
                "maxLength": 200,
                "description": "The Hub's tag filter, e.g. a library or a license tag.",
                "examples": ["gguf"],
            },
        },
        "additionalProperties": False,
        "description": role,
    }


_RANGE = {
    "type": "object",
    "properties": {
        "from": {**DATE, "description": "Created on or after this date (createdAt, UTC)."},
        "until": {
            **DATE,
            "description": "Created on or before this date (a bare date takes the whole day).",
            "examples": ["2027-10-31"],
        },
    },
    "additionalProperties": False,
    "description": "cohort modes: count only the models whose createdAt is in this range.",
}

CONFIG_SCHEMA = config_object(
    {
        "mode": {
            "enum": list(MODES),
            "description": "model_exists, created_after, downloads_over, likes_over: one "
            "model; org_download_share: organisations' share of their top models' downloads; "
            "cohort_total: a measure summed over a cohort of models; cohort_share: one "
            "group's share of a cohort.",
        },
        "repo_id": {
            "type": "string",
            "minLength": 1,
            "maxLength": 200,
            "description": "The one-model modes: the Hub model id.",
            "examples": ["deepseek-ai/DeepSeek-R1"],
        },
        "after": {**DATE, "description": "created_after: the creation date wanted at least."},
        "threshold": {
            "type": "number",
            "minimum": 0,
            "description": "The value to reach: a count, or a share between 0 and 1.",
        },
        "all_time": {
            "type": "boolean",
            "default": False,
            "description": "downloads_over: count all-time downloads, not the last 30 days.",
        },
        "orgs": {**_ORGS, "description": "org_download_share: the organisations whose share."},
        "compare_orgs": {
            **_ORGS,
            "description": "org_download_share: the other organisations of the total.",
        },
        "limit": {
            "type": "integer",
            "minimum": 1,
            "maximum": 1000,
            "default": 100,
            "description": "org_download_share: how many top models of each organisation.",
        },
        "measure": {
            "enum": list(MEASURES),
            "default": "downloads",
            "description": "cohort modes: downloads (the Hub's last 30 days), "
            "downloads_all_time, likes, or models (how many).",
        },
        "group": _selector("cohort modes: the models measured (authors, search, filter)."),
        "others": _selector(
            "cohort_share: the rest of the total; the share is the group's part of the "
            "group and these together."
        ),
        "pipeline_tags": {
            "type": "array",
            "items": {"type": "string", "minLength": 1, "maxLength": 60},
            "minItems": 1,
            "maxItems": 20,
            "uniqueItems": True,
            "description": "cohort modes: count only models whose pipeline_tag is one of these.",
            "examples": [["text-generation", "image-text-to-text"]],
        },
        "untagged": {
            "enum": ["error", "not_counted"],
            "default": "error",
            "description": "cohort modes with pipeline_tags: a model of the range the Hub "
            "gives no pipeline_tag makes the check fail (error), or is not counted.",
        },
        "created": _RANGE,
        "baseline": {
            "type": "object",
            "properties": {
                "created_from": {**DATE, "description": "The baseline cohort's first day."},
                "created_until": {**DATE, "description": "The baseline cohort's last day."},
                "value": {
                    "type": "number",
                    "minimum": 0,
                    "description": "A value fixed in advance.",
                },
            },
            "additionalProperties": False,
            "description": "cohort modes: compare with the same measure for the models created "
            "in another range (created_from, created_until), or with a fixed value.",
            "examples": [{"created_from": "2026-01-01", "created_until": "2026-10-31"}],
        },
        "comparator": {
            "enum": [">", ">=", "<", "<="],
            "description": "cohort modes: how the value compares with the threshold or the "
            "baseline (default >= with a threshold, > with a baseline).",
        },
        "max_pages": {
            "type": "integer",
            "minimum": 1,
            "maximum": 20,
            "default": 10,
            "description": "cohort modes: pages of 1,000 models read per author at most; an "
            "author with more makes the check fail.",
        },
        "decide_from": {
            **DATE,
            "description": "No outcome is proposed before this date (a reading on a date).",
            "examples": ["2027-12-01"],
        },
        "decide_no_after": DECIDE_NO_AFTER,
    },
    ["mode"],
    allOf=[
        when_mode("model_exists", ["repo_id"]),
        when_mode("created_after", ["repo_id", "after"]),
        when_mode("downloads_over", ["repo_id", "threshold"]),
        when_mode("likes_over", ["repo_id", "threshold"]),
        when_mode("org_download_share", ["orgs", "compare_orgs", "threshold"]),
        when_mode("cohort_total", ["group"]),
        when_mode("cohort_share", ["group", "others"]),
    ],
)


def check_config(config: dict, problems: Problems) -> None:
    mode = config["mode"]
    foreign = OLDER_FIELDS if mode in COHORT_MODES else COHORT_FIELDS
    if mode == "cohort_total":
        foreign = foreign | {"others"}
    for field in sorted(foreign & set(config)):
        problems.add(field, f"is not a setting of mode {mode}")
    repo_id = config.get("repo_id")
    if repo_id is not None and (
        not REPO_ID_RE.match(repo_id) or any(p in (".", "..") for p in repo_id.split("/"))
    ):
        problems.add("repo_id", "must be a Hub model id such as 'org/name'")
    for field in ("orgs", "compare_orgs"):
        for index, org in enumerate(config.get(field, [])):
            problems.name(config, field, org, f"{field}.{index}")
    overlap = set(config.get("orgs", [])) & set(config.get("compare_orgs", []))
    if overlap:
        problems.add("compare_orgs", f"must not repeat orgs: {', '.join(sorted(overlap))}")
    share = mode in ("org_download_share", "cohort_share")
    if share and config.get("threshold", 0) > 1:
        problems.add("threshold", "is a share, between 0 and 1")
    problems.when(config, "after", "decide_from", "decide_no_after")
    problems.ordered(config, "decide_from", "decide_no_after")
    if mode in COHORT_MODES:
        _check_cohort(config, problems, share)


def _check_cohort(config: dict, problems: Problems, share: bool) -> None:
    for role in ("group", "others"):
        selector = config.get(role)
        if selector is None:
            continue
        if not any(key in selector for key in ("authors", "search", "filter")):
            problems.add(role, "needs authors, a search or a filter")
        for index, author in enumerate(selector.get("authors", [])):
            if not NAME_RE.match(author) or author in (".", ".."):
                problems.add(f"{role}.authors.{index}", "must be a Hub author such as 'google'")
    group, others = config.get("group", {}), config.get("others", {})
    same_query = all(group.get(key) == others.get(key) for key in ("search", "filter"))
    repeated = set(group.get("authors", [])) & set(others.get("authors", []))
    if "others" in config and same_query and repeated:
        problems.add(
            "others.authors", f"must not repeat the group's: {', '.join(sorted(repeated))}"
        )
    for index, tag in enumerate(config.get("pipeline_tags", [])):
        if not PIPELINE_TAG_RE.match(tag):
            problems.add(
                f"pipeline_tags.{index}", "must be a pipeline tag such as 'text-generation'"
            )
    if "untagged" in config and "pipeline_tags" not in config:
        problems.add("untagged", "applies only with pipeline_tags")
    _check_range(config.get("created"), "created", "from", "until", problems)
    if ("threshold" in config) == ("baseline" in config):
        problems.add("threshold", "give either a threshold or a baseline (exactly one)")
    baseline = config.get("baseline")
    if baseline is None:
        return
    ranged = "created_from" in baseline or "created_until" in baseline
    if ranged == ("value" in baseline):
        problems.add("baseline", "give a value, or created_from and/or created_until")
    if share and baseline.get("value", 0) > 1:
        problems.add("baseline.value", "is a share, between 0 and 1")
    if ranged:
        _check_range(baseline, "baseline", "created_from", "created_until", problems)


def _check_range(
    holder: dict | None, where: str, first: str, last: str, problems: Problems
) -> None:
    if holder is None:
        return
    if where == "created" and not holder:
        problems.add("created", "needs from and/or until")
    for key in (first, last):
        if key in holder and parse_when(holder[key]) is None:
            problems.add(f"{where}.{key}", "must be an ISO 8601 date or datetime, e.g. 2026-05-01")
    start = parse_when(holder.get(first))
    end = parse_when(holder.get(last), end_of_day=True)
    if start is not None and end is not None and end < start:
        problems.add(f"{where}.{last}", f"must not be before {first}")

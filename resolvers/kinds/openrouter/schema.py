"""The ``openrouter`` kind's config: its JSON Schema and the checks beyond it."""

from __future__ import annotations

import re
from urllib.parse import urlencode

from resolvers.kinds.openrouter.answers import DATASET_FLOOR
from resolvers.kinds.schemas import DATE, DECIDE_NO_AFTER, NAME_RE, config_object, when_mode
from resolvers.kinds.secrets import SECRET_REF
from resolvers.kinds.validation import Problems
from resolvers.kinds.values import api_base, parse_when

MODES = ("token_share", "model_rank", "app_rank")
# The app-rankings dataset's documented subcategories (its `subcategory` query enum).
SUBCATEGORIES = (
    "cli-agent",
    "ide-extension",
    "cloud-agent",
    "programming-app",
    "native-app-builder",
    "creative-writing",
    "video-gen",
    "image-gen",
    "audio-gen",
    "roleplay",
    "game",
    "writing-assistant",
    "general-chat",
    "personal-agent",
    "legal",
)
SLUG_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*/[A-Za-z0-9][A-Za-z0-9_.:-]*$")
SHARE = {"type": "number", "minimum": 0, "maximum": 1}
_NAMES = {"type": "array", "minItems": 1, "maxItems": 50, "uniqueItems": True}

# Which settings each mode reads (beyond mode, api_key, period and the decision dates).
MODE_FIELDS = {
    "token_share": {"top", "group", "denominator", "merge_variants", "comparator"}
    | {"threshold", "baseline"},
    "model_rank": {"model", "rank", "merge_variants"},
    "app_rank": {"apps", "app_ids", "subcategory", "rank"},
}
COMMON_FIELDS = {"mode", "api_key", "period", "decide_from", "decide_no_after"}

CONFIG_SCHEMA = config_object(
    {
        "mode": {
            "enum": list(MODES),
            "description": "token_share: a group's share of the tokens of the top models; "
            "model_rank: a model's rank by tokens; app_rank: an app's rank by tokens.",
        },
        "api_key": {
            **SECRET_REF,
            "description": "The OpenRouter API key (any key; the rankings datasets need one), "
            'named as {"secret": "OPENROUTER_API_KEY"}.',
        },
        "period": {
            "enum": ["week", "month"],
            "default": "week",
            "description": "The ranking period: the last complete week (Monday to Sunday, "
            "UTC) or calendar month before the check.",
        },
        "top": {
            "type": "integer",
            "minimum": 1,
            "maximum": 50,
            "default": 20,
            "description": "token_share: how many of the most used models form the total.",
        },
        "group": {
            "type": "object",
            "properties": {
                "authors": {
                    **_NAMES,
                    "items": {"type": "string", "minLength": 1, "maxLength": 100},
                    "description": "Model authors (the part of the slug before '/').",
                    "examples": [["deepseek", "meta-llama", "moonshotai", "z-ai"]],
                },
                "models": {
                    **_NAMES,
                    "items": {"type": "string", "minLength": 3, "maxLength": 200},
                    "description": "Model ids or canonical slugs, e.g. openai/gpt-oss-120b.",
                },
                "hugging_face_id": {
                    "type": "boolean",
                    "description": "true: every model whose OpenRouter entry names a "
                    "Hugging Face repository (hugging_face_id) is in the group.",
                },
            },
            "additionalProperties": False,
            "description": "token_share: the models whose tokens are counted; a model is in "
            "the group when any of these says so.",
        },
        "denominator": {
            "enum": ["top", "all"],
            "default": "top",
            "description": "token_share: top = the tokens of the top models; all = every "
            "token of the period (the group is still counted within the top models only).",
        },
        "merge_variants": {
            "type": "boolean",
            "default": True,
            "description": "Count a model's variants (e.g. its :free one) as that model.",
        },
        "comparator": {
            "enum": [">", ">=", "<", "<="],
            "description": "token_share: how the share compares with the threshold or the "
            "baseline (default >= with a threshold, > with a baseline).",
        },
        "threshold": {**SHARE, "description": "token_share: a share between 0 and 1."},
        "baseline": {
            "type": "object",
            "properties": {
                "on": {**DATE, "description": "The share in the period containing this date."},
                "value": {**SHARE, "description": "A share fixed in advance."},
                "checked_on": {
                    **DATE,
                    "description": "The share this source's first check on or after this date "
                    "recorded (within 7 days).",
                },
            },
            "additionalProperties": False,
            "description": "token_share: compare with an earlier share instead of a threshold "
            "(one of on, value, checked_on).",
            "examples": [{"on": "2026-04-15"}, {"value": 0.31}],
        },
        "model": {
            "type": "string",
            "minLength": 3,
            "maxLength": 200,
            "description": "model_rank: the model id or canonical slug.",
            "examples": ["deepseek/deepseek-chat-v3-0324"],
        },
        "rank": {
            "type": "integer",
            "minimum": 1,
            "maximum": 100,
            "description": "model_rank / app_rank: met when the rank is at most this.",
        },
        "apps": {
            **_NAMES,
            "items": {"type": "string", "minLength": 1, "maxLength": 200},
            "description": "app_rank: app names as OpenRouter shows them (case ignored).",
            "examples": [["OpenClaw"]],
        },
        "app_ids": {
            **_NAMES,
            "items": {"type": "integer", "minimum": 1},
            "description": "app_rank: OpenRouter's numeric app ids.",
        },
        "subcategory": {
            "enum": list(SUBCATEGORIES),
            "description": "app_rank: any app OpenRouter files under this subcategory counts.",
        },
        "decide_from": {
            **DATE,
            "description": "No outcome is proposed before this date, for questions about the "
            "value at a date (e.g. the end of 2027).",
        },
        "decide_no_after": DECIDE_NO_AFTER,
    },
    ["mode", "api_key"],
    allOf=[
        when_mode("token_share", ["group"]),
        when_mode("model_rank", ["model", "rank"]),
        when_mode("app_rank", ["rank"]),
    ],
)


def rankings_url() -> str:
    return f"{api_base('openrouter')}/api/v1/datasets/rankings-daily"


def check_config(config: dict, problems: Problems) -> None:
    mode = config["mode"]
    for field in config:
        if field not in COMMON_FIELDS | MODE_FIELDS[mode]:
            problems.add(field, f"is not a setting of mode {mode}")
    problems.secret(config, "api_key", rankings_url() + "?" + urlencode({"period": "week"}))
    problems.when(config, "decide_from", "decide_no_after")
    problems.ordered(config, "decide_from", "decide_no_after")
    if mode == "token_share":
        _check_share(config, problems)
    elif mode == "model_rank":
        if not SLUG_RE.match(config["model"]):
            problems.add("model", "must be an OpenRouter model slug such as 'vendor/model'")
        if config["rank"] > 50:
            problems.add("rank", "must be at most 50: OpenRouter ranks its top 50 models")
    elif not any(field in config for field in ("apps", "app_ids", "subcategory")):
        problems.add("apps", "app_rank needs apps, app_ids or a subcategory")


def _check_share(config: dict, problems: Problems) -> None:
    group = config["group"]
    if not (group.get("authors") or group.get("models") or group.get("hugging_face_id")):
        problems.add("group", "needs authors, models or hugging_face_id: true")
    for index, author in enumerate(group.get("authors", [])):
        if not NAME_RE.match(author):
            problems.add(f"group.authors.{index}", "must be an author such as 'deepseek'")
    for index, model in enumerate(group.get("models", [])):
        if not SLUG_RE.match(model):
            problems.add(f"group.models.{index}", "must be a model slug such as 'vendor/model'")
    if ("threshold" in config) == ("baseline" in config):
        problems.add("threshold", "give either a threshold or a baseline (exactly one)")
    baseline = config.get("baseline", {})
    if "baseline" in config and len(baseline) != 1:
        problems.add("baseline", "give exactly one of on, value or checked_on")
    for field in ("on", "checked_on"):
        if field in baseline:
            when = parse_when(baseline[field])
            if when is None:
                problems.add(f"baseline.{field}", "must be an ISO 8601 date, e.g. 2026-04-15")
            elif field == "on" and when.date() < DATASET_FLOOR:
                problems.add("baseline.on", "must be on or after 2025-01-01 (the data's start)")

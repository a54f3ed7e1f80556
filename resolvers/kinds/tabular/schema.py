"""The ``tabular`` kind's config: its JSON Schema (the checks beyond it are in checks.py)."""

from __future__ import annotations

from resolvers.kinds.schemas import DATE, DECIDE_NO_AFTER, HTTP_URL, config_object
from resolvers.kinds.secrets import API_KEY_PROPERTIES
from resolvers.kinds.values import api_base

AGGREGATES = ("latest", "max", "min", "sum", "count", "share", "rank", "gap", "ratio")
OPS = ("==", "!=", "<", "<=", ">", ">=", "contains", "not_contains", "in", "not_in")
OPS += ("matches", "not_matches")
ORDER_OPS = ("<", "<=", ">", ">=")
LIST_OPS = ("in", "not_in")
REGEX_OPS = ("matches", "not_matches")
# Named bases (values.api_base) a config may use instead of a full URL, so a deployment or
# a test can point them elsewhere.
PROVIDERS = ("artificial_analysis", "harbor_hub", "hf_datasets_server", "huggingface")

_NAME = {"type": "string", "minLength": 1, "maxLength": 300}
_SCALAR = {"type": ["string", "number", "boolean"]}
FILTER = {
    "type": "object",
    "title": "Row condition",
    "properties": {
        "column": {
            **_NAME,
            "description": "A column (for JSON, a dotted path such as model_creator.slug).",
        },
        "op": {"enum": list(OPS)},
        "value": {
            "type": ["string", "number", "boolean", "array"],
            "items": _SCALAR,
            "maxItems": 200,
            "description": "What the column is compared with: a list for in / not_in, a "
            "regular expression for matches / not_matches.",
        },
    },
    "required": ["column", "op", "value"],
    "additionalProperties": False,
}
FILTERS = {
    "type": "array",
    "items": FILTER,
    "maxItems": 30,
    "description": "Conditions a row must all meet.",
    "examples": [[{"column": "status", "op": "==", "value": "display"}]],
}
ANY_OF = {
    "type": "array",
    "items": {**FILTERS, "minItems": 1},
    "maxItems": 30,
    "description": "Alternatives: a row must meet every condition of at least one list.",
}
SELECTION = {
    "type": "object",
    "properties": {
        "label": {**_NAME, "maxLength": 100, "description": "A name for the explanation."},
        "filters": FILTERS,
        "any_of": ANY_OF,
    },
    # Other keys are refused by checks.py, not here, so that the forms show a selection (its
    # values are lists of conditions) as one JSON field rather than a field per property.
}
SELECTION_KEYS = frozenset(SELECTION["properties"])
_NUMBER = {"type": "number"}


def _group(title: str, example: dict) -> dict:
    return {**SELECTION, "title": title, "examples": [example]}


CONFIG_SCHEMA = config_object(
    {
        "url": {
            **HTTP_URL,
            "description": "The address of the data file (or give provider and path).",
        },
        "provider": {
            "enum": list(PROVIDERS),
            "description": "A known data host, instead of url: artificial_analysis "
            "(artificialanalysis.ai), harbor_hub (the Terminal-Bench leaderboards), "
            "hf_datasets_server (Hugging Face dataset rows as JSON), huggingface.",
        },
        "path": {
            "type": "string",
            "minLength": 1,
            "maxLength": 2000,
            "description": "With provider: the path and query after the host.",
            "examples": ["/api/v2/data/llms/models"],
        },
        "format": {"enum": ["csv", "tsv", "json"], "description": "The file's format."},
        "records": {
            "type": "string",
            "minLength": 1,
            "maxLength": 500,
            "description": "JSON: a JMESPath expression to the list of records (default: the "
            "document itself).",
            "examples": ["data", "rows[].row"],
        },
        "records_total": {
            "type": "string",
            "minLength": 1,
            "maxLength": 500,
            "description": "JSON: a JMESPath expression to the number of records the answer "
            "says exist; fewer records in the answer is inconclusive (a page is missing).",
            "examples": ["pagination.total"],
        },
        "method": {
            "enum": ["GET", "POST"],
            "default": "GET",
            "description": "POST only for read-only query APIs that take a JSON body.",
        },
        "body": {
            "type": "object",
            "description": "POST: the JSON body sent (no secrets: use api_key).",
            "examples": [{"package": "terminal-bench/terminal-bench-2", "name": "2-0"}],
        },
        **API_KEY_PROPERTIES,
        "filters": {**FILTERS, "description": "Conditions every row counted must meet."},
        "any_of": ANY_OF,
        "date_column": {**_NAME, "description": "The column dating each row (ISO dates)."},
        "dates": {
            "enum": ["events", "snapshots"],
            "default": "events",
            "description": "events: each row happened on its date (a leaderboard entry, a "
            "release); snapshots: the file holds whole leaderboards, one per date, and one "
            "date is read at a time.",
        },
        "on_or_after": {**DATE, "description": "Rows dated on or after this date."},
        "on_or_before": {
            **DATE,
            "description": "Rows dated on or before this date (for "
            "snapshots: the newest snapshot on or before it).",
        },
        "max_age_days": {
            "type": "integer",
            "minimum": 1,
            "maximum": 3650,
            "description": "Inconclusive when the newest date in the file is older than this "
            "many days at the check (the source has stopped updating).",
        },
        "column": {**_NAME, "description": "The value column.", "examples": ["rating"]},
        "label_column": {
            **_NAME,
            "description": "The column naming a row in explanations.",
            "examples": ["model_name"],
        },
        "skip_blank": {
            "type": "boolean",
            "default": False,
            "description": "Leave out rows whose value (or date) is empty; otherwise an "
            "empty value is inconclusive.",
        },
        "aggregate": {
            "enum": list(AGGREGATES),
            "description": "latest (by date_column), max, min, sum, count, share (of the "
            "selected rows' sum), rank (1 = best), gap (best of group a minus best of b), "
            "ratio (best of a / best of b).",
        },
        "best": {
            "enum": ["max", "min"],
            "default": "max",
            "description": "rank, gap, ratio: whether the highest or the lowest value is best.",
        },
        "selected": _group(
            "Selected rows (share)", {"filters": [{"column": "country", "op": "==", "value": "CN"}]}
        ),
        "row": _group(
            "The row ranked (rank)",
            {"filters": [{"column": "model_name", "op": "==", "value": "deepseek-v4"}]},
        ),
        "groups": {
            "type": "object",
            "properties": {"a": SELECTION, "b": SELECTION},
            "required": ["a", "b"],
            "description": "gap, ratio: the two groups, each a label with filters / any_of.",
            "examples": [
                {
                    "a": {
                        "label": "closed",
                        "filters": [{"column": "license", "op": "==", "value": "Proprietary"}],
                    },
                    "b": {
                        "label": "open",
                        "filters": [{"column": "license", "op": "!=", "value": "Proprietary"}],
                    },
                }
            ],
        },
        "unclassified": {
            "enum": ["ignore", "inconclusive"],
            "default": "ignore",
            "description": "gap, ratio: a counted row in neither group that beats the best "
            "of either group is ignored, or makes the check inconclusive (classify it).",
        },
        "comparator": {"enum": [">", ">=", "<", "<=", "==", "!="], "default": ">="},
        "threshold": {**_NUMBER, "description": "The value is compared with this."},
        "baseline": {
            "type": "object",
            "properties": {
                "as_of": {
                    **DATE,
                    "description": "The same aggregate over the rows dated on "
                    "or before this date (snapshots: that date's snapshot).",
                },
                "within_days": {
                    "type": "integer",
                    "minimum": 0,
                    "maximum": 366,
                    "description": "as_of with snapshots: the snapshot nearest the date, at "
                    "most this many days either side; earlier_on: the window after it "
                    "(default 7).",
                },
                "url": {**HTTP_URL, "description": "as_of: read the baseline from this file."},
                "path": {
                    "type": "string",
                    "minLength": 1,
                    "maxLength": 2000,
                    "description": "as_of: the baseline file's path at the provider.",
                },
                "earlier_on": {
                    **DATE,
                    "description": "The value this source's first "
                    "successful check on or after this date kept.",
                },
                "min_change": {
                    **_NUMBER,
                    "description": "Compare with baseline + this "
                    "(e.g. 5: at least 5 more than the baseline).",
                },
            },
            "additionalProperties": False,
            "description": "An earlier value to compare with (both this and the threshold "
            "must hold when both are given).",
            "examples": [{"as_of": "2026-04-15", "min_change": 5}],
        },
        "annul_if": {
            "type": "array",
            "maxItems": 10,
            "items": {
                "type": "object",
                "properties": {
                    "reason": {**_NAME, "maxLength": 200},
                    "filters": FILTERS,
                    "any_of": ANY_OF,
                    "aggregate": {"enum": ["count", "max", "min", "sum"]},
                    "column": _NAME,
                    "comparator": {"enum": [">", ">=", "<", "<=", "==", "!="]},
                    "threshold": _NUMBER,
                },
                "required": ["reason", "aggregate", "comparator", "threshold"],
                "additionalProperties": False,
            },
            "description": "Conditions under which the criteria void the question: when one "
            "holds at the decision, the check proposes annulled.",
            "examples": [
                [
                    {
                        "reason": "saturated",
                        "aggregate": "max",
                        "column": "accuracy",
                        "comparator": ">",
                        "threshold": 95,
                    }
                ]
            ],
        },
        "decide_from": {
            **DATE,
            "description": "No outcome is proposed before this date (the "
            "measurement date); the value is still measured and kept.",
        },
        "decide_no_after": DECIDE_NO_AFTER,
    },
    ["format", "aggregate"],
    allOf=[
        {"if": {"properties": {"aggregate": {"const": name}}}, "then": {"required": needs}}
        for name, needs in (
            ("latest", ["column", "date_column"]),
            ("max", ["column"]),
            ("min", ["column"]),
            ("sum", ["column"]),
            ("share", ["column", "selected"]),
            ("rank", ["column", "row"]),
            ("gap", ["column", "groups"]),
            ("ratio", ["column", "groups"]),
        )
    ],
)

# Settings that only some aggregates read.
ONLY_FOR = {
    "selected": ("share",),
    "row": ("rank",),
    "groups": ("gap", "ratio"),
    "unclassified": ("gap", "ratio"),
    "best": ("rank", "gap", "ratio"),
}


def source_url(config: dict, baseline: bool = False) -> str:
    """The address fetched: ``url``, or the provider's base (values.api_base) + ``path``;
    for ``baseline`` the baseline's own file when it names one."""
    where = (config.get("baseline") or {}) if baseline else config
    if baseline and not ({"url", "path"} & set(where)):
        where = config
    if "url" in where:
        return where["url"]
    return api_base(config["provider"]) + where["path"]

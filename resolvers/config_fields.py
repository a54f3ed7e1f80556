"""A kind's JSON Schema as form fields: one field per property, and back to a config.

``config_fields(schema)`` reads the schema's properties and gives a ``ConfigField`` each: its
label (the ``title``, else the property name in words), its help (``description``, an
example from ``examples`` or the schema's own ``examples`` configs, the default, and "required
when mode is …" read from ``if``/``then`` rules), whether it is required and the widget its
type calls for (enum -> select, boolean -> checkbox, integer/number -> number input, string
-> text, array of strings -> one per line, array of enum values -> checkboxes, an object
whose properties are all plain values -> one field each, anything else -> JSON). Every field
is optional to the browser: the kind's own validation (``validate_config``) says what is
missing, next to the field, so the page can also switch kind or dry-run half a config.

Raw JSON (the expert's fallback and the JSON widgets) goes through ``safe_json``.
"""

from __future__ import annotations

import abc
import json
import math
import re
from dataclasses import dataclass, replace
from typing import Any

from django import forms
from django.core.exceptions import ValidationError

from resolvers.safe_json import MAX_JSON_CHARS, bad_string, parse_json, show_json

FIELD_PREFIX = "config__"
MISSING: Any = object()  # a field left empty: the property is left out of the config

MAX_MAGNITUDE = 10**18  # of a number typed in a number field
MAX_TEXT = 10_000  # characters of a string property without its own maxLength
ACRONYMS = {"url": "URL", "api": "API", "id": "ID", "http": "HTTP", "json": "JSON", "utc": "UTC"}
SCALARS = {"string", "integer", "number", "boolean"}
NUMBER = re.compile(r"^-?\d+(\.\d+)?([eE][+-]?\d+)?$")


# --- Form fields for the odd shapes ---------------------------------------------------------


class _TypedText(forms.Field, abc.ABC):
    """Text typed into a widget and read as something else; its length is checked on the
    text, before it is read."""

    widget = forms.TextInput

    def __init__(self, *, max_length: int = MAX_TEXT, **kwargs: Any) -> None:
        self.max_length = max_length
        super().__init__(**kwargs)

    def to_python(self, value: Any) -> Any:
        text = "" if value is None else str(value)
        try:
            if len(text) > self.max_length:
                raise ValidationError(f"is too long (at most {self.max_length:,} characters)")
            if problem := bad_string(text):
                raise ValidationError(problem)
            return self.read(text) if text.strip() else None
        except ValidationError as error:  # said of the field: "Threshold must be …"
            raise ValidationError(f"{self.label} {error.messages[0]}") from None

    @abc.abstractmethod
    def read(self, text: str) -> Any:
        """The value the typed text stands for (each subclass reads its own kind)."""


class JSONValueField(_TypedText):
    """Any JSON value, typed as JSON (nested objects, maps, lists of objects)."""

    widget = forms.Textarea(attrs={"rows": 3, "spellcheck": "false"})

    def read(self, text: str) -> Any:
        return parse_json(text)


class ScalarField(_TypedText):
    """A property that takes a number, true/false or text: JSON when it reads as a number or
    boolean (``5000``, ``true``, ``"5000"`` in quotes for the text), else the text itself."""

    def read(self, text: str) -> Any:
        if NUMBER.match(text.strip()):
            return read_number(text)
        try:
            parsed = parse_json(text.strip())
        except ValidationError:
            return text
        if isinstance(parsed, (dict, list)) or parsed is None:
            raise ValidationError("must be a number, true or false, or a text")
        return parsed


class NumberField(_TypedText):
    """A JSON number: an int when it is whole, else a float; finite and of a sane size."""

    widget = forms.NumberInput(attrs={"step": "any"})

    def read(self, text: str) -> Any:
        return read_number(text)


def read_number(text: str) -> int | float:
    text = text.strip()
    try:
        number = float(text)
    except ValueError:
        raise ValidationError("must be a number, e.g. 0.25 or 5000") from None
    if not math.isfinite(number) or abs(number) > MAX_MAGNITUDE:
        raise ValidationError(f"must be a number between -10^18 and 10^18, not {text[:30]}")
    return int(number) if number.is_integer() and "." not in text else number


class LinesField(_TypedText):
    """A list of texts, one per line (blank lines dropped, each line trimmed)."""

    widget = forms.Textarea(attrs={"rows": 3})

    def read(self, text: str) -> Any:
        return [line.strip() for line in text.splitlines() if line.strip()] or None


def _check_text(value: Any) -> None:
    for text in value if isinstance(value, list) else [value]:
        if isinstance(text, str) and (problem := bad_string(text)):
            raise ValidationError(problem)


# --- The schema, read ---------------------------------------------------------------------


def _types(schema: dict) -> list[str]:
    given = schema.get("type", [])
    return [given] if isinstance(given, str) else list(given)


def _shape(schema: dict) -> str:
    if "enum" in schema or "const" in schema:
        return "choice"
    types = _types(schema)
    if len(types) == 1 and types[0] in ("boolean", "integer", "number", "string"):
        return types[0]
    if types == ["array"]:
        items = schema.get("items") or {}
        if "enum" in items:
            return "choices"
        if _types(items) == ["string"]:
            return "lines"
    if types == ["object"] and _is_group(schema):
        return "group"
    if types and set(types) <= SCALARS:
        return "scalar"
    return "json"


def _is_group(schema: dict) -> bool:
    """An object of declared plain properties (an API key reference): one field each."""
    children = schema.get("properties") or {}
    plain = all(_shape(child) not in ("json", "group") for child in children.values())
    return bool(children) and plain and not schema.get("additionalProperties")


def words(name: str) -> str:
    """``decide_no_after`` -> "Decide no after"; ``api_key`` -> "API key"."""
    parts = [ACRONYMS.get(part, part) for part in name.split("_") if part]
    text = " ".join(parts)
    return text[:1].upper() + text[1:]


def _example(value: Any) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, list) and all(isinstance(item, str) for item in value):
        return ", ".join(value)
    return show_json(value)


def _conditions(schema: dict) -> dict[str, list[str]]:
    """Property -> when it is required ("mode is a or b"), from ``if {mode: const} then
    {required}`` rules."""
    found: dict[str, dict[str, list[str]]] = {}
    rules = [*schema.get("allOf", []), *([schema] if "if" in schema else [])]
    for rule in rules:
        test = (rule.get("if") or {}).get("properties") or {}
        then = (rule.get("then") or {}).get("required") or []
        for switch, condition in test.items():
            if "const" in condition:
                for name in then:
                    found.setdefault(name, {}).setdefault(switch, []).append(
                        str(condition["const"])
                    )
    return {
        name: [f"{words(switch).lower()} is {_either(values)}" for switch, values in by.items()]
        for name, by in found.items()
    }


def _either(values: list[str]) -> str:
    return values[0] if len(values) == 1 else f"{', '.join(values[:-1])} or {values[-1]}"


@dataclass(frozen=True)
class ConfigField:
    """One property of the config as a form field."""

    path: tuple[str, ...]
    schema: dict
    shape: str
    label: str
    required: bool
    help: str

    @property
    def name(self) -> str:
        return FIELD_PREFIX + "__".join(self.path)

    @property
    def key(self) -> str:
        """As ConfigError names it: ``config.<path>``."""
        return "config." + ".".join(self.path)

    def form_field(self) -> forms.Field:
        schema, shape = self.schema, self.shape
        common: dict[str, Any] = {"required": False, "label": self.label, "help_text": self.help}
        if shape == "choice":
            values = schema.get("enum", [schema.get("const")])
            empty = "— choose —" if self.required else "— none —"
            field: forms.Field = forms.ChoiceField(
                choices=[("", empty), *((str(v), str(v)) for v in values)], **common
            )
        elif shape == "boolean":
            field = forms.BooleanField(**common)
        elif shape == "integer":
            low = schema.get("minimum", -MAX_MAGNITUDE)
            high = schema.get("maximum", MAX_MAGNITUDE)
            field = forms.IntegerField(min_value=low, max_value=high, **common)
        elif shape == "number":
            field = NumberField(**common)
        elif shape == "string":
            limit = schema.get("maxLength", MAX_TEXT)
            long_text = "maxLength" in schema and limit > 2000  # instructions, not a URL
            widget = forms.Textarea(attrs={"rows": 4}) if long_text else forms.TextInput
            field = forms.CharField(max_length=limit, strip=False, widget=widget, **common)
        elif shape == "lines":
            field = LinesField(max_length=MAX_JSON_CHARS, **common)
        elif shape == "choices":
            values = schema["items"]["enum"]
            field = forms.MultipleChoiceField(
                choices=[(str(v), str(v)) for v in values],
                widget=forms.CheckboxSelectMultiple,
                **common,
            )
        elif shape == "scalar":
            field = ScalarField(**common)
        else:
            field = JSONValueField(max_length=MAX_JSON_CHARS, **common)
        field.validators.append(_check_text)
        field.schema_required = self.required  # shown as "(required)"; checked by the kind
        return field

    def value(self, cleaned: Any) -> Any:
        """The config value from the field's cleaned value, or MISSING."""
        if cleaned is MISSING or cleaned is None or cleaned == "" or cleaned == []:
            return MISSING
        if self.shape == "choice":
            values = self.schema.get("enum", [self.schema.get("const")])
            return next((v for v in values if str(v) == cleaned), cleaned)
        if self.shape == "choices":
            values = self.schema["items"]["enum"]
            return [next((v for v in values if str(v) == item), item) for item in cleaned]
        if self.shape == "boolean":
            return (
                cleaned
                if self.required or cleaned != self.schema.get("default", False)
                else MISSING
            )
        return cleaned

    def initial(self, value: Any) -> Any:
        """How the config's ``value`` shows in the field."""
        if value is MISSING:
            return self.schema.get("default", False) if self.shape == "boolean" else None
        if self.shape in ("choice", "choices"):
            return [str(v) for v in value] if isinstance(value, list) else str(value)
        if self.shape == "lines" and isinstance(value, list):
            return "\n".join(map(str, value))
        if self.shape == "scalar" and not isinstance(value, str):
            return show_json(value)
        if self.shape == "scalar":
            try:  # text that reads as JSON keeps its quotes, so it stays text
                parse_json(value.strip())
            except ValidationError:
                return value
            return show_json(value)
        if self.shape == "json":
            return show_json(value, indent=1)
        return value


def _help(schema: dict, shape: str, example: Any, required_when: list[str]) -> str:
    parts = [schema["description"].rstrip(".") + "."] if schema.get("description") else []
    if shape == "lines":
        parts.append("One per line.")
    elif shape == "scalar":
        parts.append('A number, true or false, or a text ("5000" in quotes stays a text).')
    elif shape == "json":
        parts.append("As JSON.")
    if example is not MISSING:
        parts.append(f"Example: {_example(example)}")
    if "default" in schema and shape != "boolean":
        parts.append(f"Default: {_example(schema['default'])}.")
    if required_when:
        parts.append(f"Required when {' or '.join(required_when)}.")
    return " ".join(parts)


def config_fields(
    schema: dict,
    path: tuple[str, ...] = (),
    examples: Any = None,
    required_too: bool = True,
) -> list[ConfigField]:
    """The fields of a kind's config schema, in the schema's order. (A group's fields are
    required only when the group is.)"""
    examples = schema.get("examples", []) if examples is None else examples
    required = set(schema.get("required", []))
    conditions = _conditions(schema)
    found: list[ConfigField] = []
    for name, prop in (schema.get("properties") or {}).items():
        prop = prop if isinstance(prop, dict) else {}
        shape = _shape(prop)
        given = [e[name] for e in examples if isinstance(e, dict) and name in e]
        example = (prop.get("examples") or given or [MISSING])[0]
        label = prop.get("title") or words(name)
        if shape == "group":
            for child in config_fields(prop, (*path, name), given, name in required):
                found.append(replace(child, label=f"{label} — {child.label.lower()}"))
            continue
        found.append(
            ConfigField(
                path=(*path, name),
                schema=prop,
                shape=shape,
                label=label,
                required=required_too and name in required,
                help=_help(prop, shape, example, conditions.get(name, [])),
            )
        )
    return found


def assemble(fields: list[ConfigField], cleaned: dict[str, Any]) -> dict:
    """The config the fields' cleaned values make; empty fields are left out, and so is a
    group (an object property) none of whose fields is filled."""
    config: dict = {}
    for field in fields:
        value = field.value(cleaned.get(field.name, MISSING))
        if value is MISSING:
            continue
        target = config
        for part in field.path[:-1]:
            target = target.setdefault(part, {})
        target[field.path[-1]] = value
    return config


def initial_values(fields: list[ConfigField], config: dict) -> dict[str, Any]:
    values = {}
    for field in fields:
        value: Any = config
        for part in field.path:
            value = value.get(part, MISSING) if isinstance(value, dict) else MISSING
        values[field.name] = field.initial(value)
    return values


def field_for(fields: list[ConfigField], key: str) -> tuple[ConfigField | None, str]:
    """The field a ``config.<path>`` problem belongs to (the deepest whose path starts it),
    and the rest of the path below that field (e.g. a list item's index)."""
    parts = tuple(key.split(".")[1:]) if key.startswith("config.") else ()
    best = None
    for field in fields:
        if parts[: len(field.path)] == field.path and (
            best is None or len(field.path) > len(best.path)
        ):
            best = field
    if best is None:
        # A group's own problem ("config.api_key.secret is required" sits on its field, but
        # "config.api_key" itself) goes to the group's first field.
        best = next((f for f in fields if parts and f.path[: len(parts)] == parts), None)
        return best, ""
    return best, ".".join(parts[len(best.path) :])


def configurable(fields: list[ConfigField], config: Any) -> bool:
    """Whether the fields can show ``config`` as it is (else the page starts in raw JSON):
    what they would give back is the same config, but for a checkbox left at its default."""
    if not isinstance(config, dict):
        return False
    cleaned: dict[str, Any] = {}
    try:
        for field, shown in zip(fields, initial_values(fields, config).values(), strict=True):
            cleaned[field.name] = MISSING if shown is None else field.form_field().clean(shown)
    except ValidationError:
        return False
    return assemble(fields, cleaned) == _without_defaults(fields, config)


def _without_defaults(fields: list[ConfigField], config: dict) -> dict:
    trimmed = json.loads(json.dumps(config))
    for field in fields:
        if field.shape != "boolean" or field.required:
            continue
        target = trimmed
        for part in field.path[:-1]:
            target = target.get(part) if isinstance(target, dict) else None
        if isinstance(target, dict) and target.get(field.path[-1]) == field.schema.get(
            "default", False
        ):
            del target[field.path[-1]]
    return trimmed

"""Forms for setting up a resolution source without writing JSON.

The kind is a choice list of the registered kinds (their labels); the config is the kind's
schema as fields (``config_fields``), with a raw JSON fallback for experts. Choosing another
kind re-renders the page with that kind's fields: the kind's select carries the kind whose
fields the page shows (a hidden ``<kind>_shown`` input) and a "Show its settings" button,
which a small script presses when the choice changes; a form posted with a kind other than
the one shown answers with that kind's fields instead of saving.

``SourceConfigForm`` is the part shared by the staff page's ``SourceForm`` and the admin's
``ResolutionSourceForm`` (resolvers/admin.py). Its ``clean`` builds the config from the
fields (or the raw JSON) and checks it with ``validate_config``, each ``config.<path>``
problem shown next to its field.
"""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.html import format_html

from resolvers.config_fields import (
    ConfigField,
    assemble,
    config_fields,
    configurable,
    field_for,
    initial_values,
)
from resolvers.health import every
from resolvers.kinds import KIND_PATHS, REGISTRY, ConfigError, kind_choices, validate_config
from resolvers.safe_json import parse_json, show_json

logger = logging.getLogger(__name__)

SHOWN_SUFFIX = "_shown"  # the kind whose fields the page shows: <kind field>_shown
SWITCH_SUFFIX = "_switch"  # the button asking for the chosen kind's fields: <kind field>_switch


class KindSelect(forms.Select):
    """The kind's choice list, the kind whose fields are shown, and the button that shows
    the chosen kind's fields instead (the page works without scripts)."""

    shown = ""

    def render(self, name: str, value: Any, attrs: dict | None = None, renderer=None) -> str:  # type: ignore[no-untyped-def]
        attrs = {**(attrs or {}), "data-switch-kind": "1"}
        select = super().render(name, value, attrs, renderer)
        return format_html(
            '{} <input type="hidden" name="{}" value="{}">'
            ' <button type="submit" name="{}" value="1" class="secondary switch-kind">'
            "Show its settings</button>",
            select,
            name + SHOWN_SUFFIX,
            self.shown,
            name + SWITCH_SUFFIX,
        )


class RawConfigField(forms.CharField):
    """The whole config as JSON text; parsed by the form only when it is the one used."""

    widget = forms.Textarea(attrs={"rows": 6, "spellcheck": "false", "class": "raw-json"})

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("required", False)
        kwargs.setdefault("strip", False)
        kwargs.setdefault("label", "Raw JSON (for experts)")
        kwargs.setdefault(
            "help_text",
            "The whole config as one JSON object. Used instead of the fields when “Use the raw "
            "JSON” is ticked; otherwise it shows the saved config.",
        )
        super().__init__(**kwargs)

    def prepare_value(self, value: Any) -> Any:
        return value if isinstance(value, str) or value is None else show_json(value, indent=2)

    def has_changed(self, initial: Any, data: Any) -> bool:
        try:
            posted = parse_json(data) if data and data.strip() else {}
        except ValidationError:
            return True
        return posted != (initial if initial is not None else {})


class SourceConfigForm:
    """Mixin: a form with ``kind`` (a ChoiceField with a KindSelect), ``use_raw_json`` and
    ``config`` (a RawConfigField). Call ``setup_config`` at the end of ``__init__`` and
    ``clean_source_config`` from ``clean``."""

    switched: bool = False  # posted with another kind than the one whose fields it showed
    config: dict | None = None  # the config the form's values make, once cleaned

    def setup_config(
        self: Any, *, config: dict | None, kind: str | None, carried: dict | None = None
    ) -> None:
        """Add the kind's fields, showing ``config`` (a saved one), or the values
        ``carried`` over from the form as it was posted with another kind."""
        self.fields["kind"].choices = kind_choices()
        if carried:
            kind, config = carried.get("kind"), None
        posted = self._posted_kind()
        data = self.data if self.is_bound else {}
        shown = data.get(self.add_prefix("kind") + SHOWN_SUFFIX)
        asked = self.add_prefix("kind") + SWITCH_SUFFIX in data
        self.kind_name = posted or (kind if kind in REGISTRY else next(iter(KIND_PATHS)))
        self.switched = bool(posted and (asked or (shown in REGISTRY and shown != posted)))
        self.resolver = REGISTRY[self.kind_name]
        self.kind_label = self.resolver.label
        self.fields["kind"].widget.shown = self.kind_name
        self.config_specs: list[ConfigField] = config_fields(self.resolver.config_schema)
        for spec in self.config_specs:
            self.fields[spec.name] = spec.form_field()
        if config is not None:
            raw = not configurable(self.config_specs, config)
            if not raw:
                self.initial.update(initial_values(self.config_specs, config))
            self.initial["config"] = config
            self.initial["use_raw_json"] = raw
        if carried:
            self.initial.update(carried)
        self.initial["kind"] = self.kind_name

    def carried_values(self: Any) -> dict[str, Any]:
        """The posted values, as initial values for the form showing the posted kind's
        fields (a property both kinds have keeps its value)."""
        values = {name: self[name].data for name in self.fields if name != "kind"}
        return {**values, "kind": self.kind_name}

    def _posted_kind(self: Any) -> str | None:
        if not self.is_bound:
            return None
        posted = self.data.get(self.add_prefix("kind"))
        return posted if isinstance(posted, str) and posted in REGISTRY else None

    @property
    def config_bound_fields(self: Any) -> list:
        return [self[spec.name] for spec in self.config_specs]

    def clean_source_config(self: Any, cleaned: dict[str, Any]) -> dict[str, Any]:
        kind = cleaned.get("kind")
        cleaned.pop("config", None)  # the raw text; the config the form makes replaces it
        if kind != self.kind_name:  # no kind, or not a registered one: its field says so
            return cleaned
        if self.switched:
            self.add_error(
                "kind",
                f"Now showing the settings of “{self.kind_label}”: fill them in, then check "
                "or save.",
            )
            return cleaned
        raw = bool(cleaned.get("use_raw_json"))
        config = self._raw_config() if raw else assemble(self.config_specs, cleaned)
        if config is None:
            return cleaned
        self.config = config
        try:
            validate_config(kind, config)
        except ConfigError as error:
            self.place_problems(error.fields, raw)
        except Exception:  # a kind's own check failed on odd input: say so, save nothing
            logger.exception("validating a %s config failed", kind)
            self.add_error(None, "These settings could not be checked; nothing was saved.")
        cleaned["config"] = config
        return cleaned

    def _raw_config(self: Any) -> dict | None:
        text = self.data.get(self.add_prefix("config")) or ""
        try:
            config = parse_json(text) if text.strip() else {}
        except ValidationError as error:
            self.add_error("config", f"The raw JSON {error.messages[0]}")
            return None
        if not isinstance(config, dict):
            self.add_error("config", 'The raw JSON must be an object, e.g. {"url": "https://…"}')
            return None
        return config

    def place_problems(self: Any, problems: dict[str, str], raw: bool) -> None:
        """Each ``config.<path>`` problem next to its field (in raw mode, on the raw JSON)."""
        for key, message in problems.items():
            if key == "kind":
                self.add_error("kind", message)
                continue
            spec, rest = field_for(self.config_specs, key)
            name = key.removeprefix("config.") if key != "config" else "the config"
            if raw or spec is None:
                self.add_error("config" if raw else None, f"{name} {message}")
            elif spec.name not in self.errors:
                self.add_error(spec.name, _sentence(spec, rest, message))


def _sentence(spec: ConfigField, rest: str, message: str) -> str:
    """A problem as it reads next to its field: "URL must be an http or https URL"."""
    if not rest:
        return f"{spec.label} {message}"
    head, _, tail = rest.partition(".")
    if head.isdigit():
        where = "line" if spec.shape == "lines" else "item"
        inner = f" ({tail})" if tail else ""
        return f"{spec.label}, {where} {int(head) + 1}{inner}: {message}"
    return f"{spec.label} ({rest}) {message}"


# How often a source is checked, as the staff page offers it.
SCHEDULES = [
    timedelta(minutes=15),
    timedelta(minutes=30),
    timedelta(hours=1),
    timedelta(hours=3),
    timedelta(hours=6),
    timedelta(hours=12),
    timedelta(days=1),
    timedelta(weeks=1),
]


def _minutes(interval: timedelta) -> int:
    return int(interval.total_seconds() // 60)


class SourceForm(SourceConfigForm, forms.Form):
    """The staff page's form: a new source, or a saved one's settings."""

    kind = forms.ChoiceField(label="Kind", widget=KindSelect)
    use_raw_json = forms.BooleanField(
        required=False, label="Use the raw JSON below instead of the fields"
    )
    config = RawConfigField()
    check_every = forms.TypedChoiceField(label="Check every", coerce=int, choices=())
    enabled = forms.BooleanField(
        required=False, initial=True, label="Enabled (checked on its schedule)"
    )

    def __init__(
        self, data: Any = None, *, source: Any = None, carried: dict | None = None, **kwargs: Any
    ) -> None:
        super().__init__(data, **kwargs)
        schedules = list(SCHEDULES)
        if source is not None and source.check_every not in schedules:
            schedules.append(source.check_every)
        self.fields["check_every"].choices = [
            (_minutes(interval), every(interval).capitalize()) for interval in sorted(schedules)
        ]
        self.initial["check_every"] = _minutes(
            source.check_every if source is not None else timedelta(hours=6)
        )
        if source is not None:
            self.initial["enabled"] = source.enabled
        else:
            del self.fields["enabled"]  # a new source is enabled; pause it once saved
        self.setup_config(
            config=source.config if source is not None else None,
            kind=source.kind if source is not None else None,
            carried=carried,
        )

    def clean(self) -> dict[str, Any]:
        return self.clean_source_config(super().clean())

    @property
    def interval(self) -> timedelta:
        return timedelta(minutes=self.cleaned_data["check_every"])

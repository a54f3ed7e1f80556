"""Forms of the staff import pages: what an import takes, and a proposal's draft to edit.

Shape only: the services decide (`imports.import_prepare`, `claim_review.claim_accept`) and
their errors, by field, are put back on these forms.
"""

from __future__ import annotations

import calendar
import json
from collections.abc import Mapping
from datetime import timedelta

from django import forms

from registry.claim_review import KEEP, AcceptEdits
from registry.imports import ImportInput
from registry.models import Claim
from resolvers import kinds

MONTHS = [(number, calendar.month_name[number]) for number in range(1, 13)]


class PastedTextField(forms.CharField):
    """Text as pasted: NUL bytes and other debris are the import's to clean, not a refusal
    of the whole form, so Django's NUL check is left out and nothing is stripped."""

    def __init__(self, **kwargs) -> None:  # type: ignore[no-untyped-def]
        super().__init__(strip=False, **kwargs)
        self.validators = [
            validator
            for validator in self.validators
            if not isinstance(validator, forms.fields.validators.ProhibitNullCharactersValidator)
        ]


class ImportForm(forms.Form):
    url = forms.CharField(
        label="Web address",
        required=False,
        max_length=2000,
        help_text="The article's address: it is fetched and its text, title, author and date "
        "read. With a pasted text or a file, it is kept as the original's address.",
    )
    text = PastedTextField(
        label="Or paste the text",
        required=False,
        widget=forms.Textarea(attrs={"rows": 8}),
        help_text="Paste the article when the page is behind a log-in or paywall.",
    )
    file = forms.FileField(
        label="Or upload a file", required=False, help_text="A PDF, an HTML page or plain text."
    )
    title = forms.CharField(label="Title", required=False, max_length=1000)
    author = forms.CharField(
        label="Author", required=False, max_length=1000, help_text="A person or a body."
    )
    published_on = forms.DateField(
        label="Publication date",
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text="Needed only when the page does not say: the title, the author and the date "
        "are read from it.",
    )
    publication = forms.CharField(label="Publication", required=False, max_length=1000)
    fiscal_year_start_month = forms.TypedChoiceField(
        label="The author's fiscal year starts in",
        choices=MONTHS,
        coerce=int,
        initial=1,
        help_text="How “fiscal 2026” and “the June quarter” are read.",
    )
    store_without_proposals = forms.BooleanField(
        label="Store without proposals (the claim finder reads English only)", required=False
    )

    def import_input(self) -> ImportInput:
        data = self.cleaned_data
        upload = data.get("file")
        return ImportInput(
            url=data["url"],
            text=data["text"],
            file_body=upload.read() if upload else None,
            file_content_type=upload.content_type if upload else "",
            title=data["title"],
            author=data["author"],
            published_on=data["published_on"],
            publication=data["publication"],
            fiscal_year_start_month=data["fiscal_year_start_month"],
            store_without_proposals=data["store_without_proposals"],
        )

    def add_errors(self, fields: Mapping[str, str]) -> None:
        for name, message in fields.items():
            self.add_error(name if name in self.fields else None, message)


class AcceptForm(forms.Form):
    """A proposal's draft as staff edit it before accepting; prefixed by the claim."""

    title = forms.CharField(label="Question", max_length=300)
    resolution_criteria = forms.CharField(
        label="Resolution criteria", widget=forms.Textarea(attrs={"rows": 6})
    )
    closes_on = forms.DateField(
        label="Closes at the end of",
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text="The title and the criteria name this date too: change them with it.",
    )
    implied_probability = forms.FloatField(
        label="The author's implied probability (%)",
        required=False,
        min_value=0.1,
        max_value=99.9,
        help_text="Empty: the wording states no number, so the claim is tracked but not scored.",
    )
    source_kind = forms.ChoiceField(label="Resolved by", choices=kinds.kind_choices)
    source_config = forms.CharField(
        label="Resolver settings (JSON, optional)",
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="A kind other than manual is attached only with settings its schema accepts.",
    )

    @classmethod
    def for_claim(cls, claim: Claim, data: Mapping | None = None) -> AcceptForm:
        question = claim.question
        initial = {"source_kind": claim.suggested_source_kind or "manual"}
        if question is not None:
            initial |= {
                "title": question.title,
                "resolution_criteria": question.resolution_criteria,
                "closes_on": (question.closes_at - timedelta(seconds=1)).date(),
            }
        if claim.implied_probability is not None:
            initial["implied_probability"] = f"{claim.implied_probability * 100:.1f}".rstrip(
                "0"
            ).rstrip(".")
        return cls(data=data, initial=initial, prefix=f"claim-{claim.pk}")

    def clean_source_config(self) -> dict | None:
        raw = self.cleaned_data["source_config"].strip()
        if not raw:
            return None
        try:
            config = json.loads(raw)
        except ValueError as error:
            raise forms.ValidationError(f"Not valid JSON: {error}.") from error
        if not isinstance(config, dict):
            raise forms.ValidationError("Give the settings as a JSON object, {...}.")
        return config

    def edits(self, *, claim: Claim) -> AcceptEdits:
        data = self.cleaned_data
        percent = data["implied_probability"]
        probability = None if percent is None else round(percent / 100, 6)
        unchanged = claim.implied_probability is not None and probability is not None
        if unchanged and abs(probability - claim.implied_probability) < 0.0005:
            probability = KEEP  # the form's rounding is not an edit
        return AcceptEdits(
            title=data["title"],
            resolution_criteria=data["resolution_criteria"],
            closes_on=data["closes_on"],
            implied_probability=probability,
            source_kind=data["source_kind"],
            source_config=data["source_config"],
        )

    def add_errors(self, fields: Mapping[str, str]) -> None:
        for name, message in fields.items():
            field = "source_config" if name.startswith("source_config") else name
            self.add_error(field if field in self.fields else None, message)

"""The forecast form of the question page: percentages in, `forecast_submit` behind it.

People type a chance as they think of it: "70", "70%" or "0.7" are all a 70% chance
(stored as 0.7). The rule, stated next to the field: a number with a percent sign, or one
of 1 or more, is a percentage; a number below 1 without a percent sign is a probability
(write "0.5%" for half a percent). The page shows what it understood as you type, and the
saved message repeats it. The form checks what it can, then the service decides; the
service's field errors come back beside the fields they name, with what was typed kept.
Refusals of the moment (a question that has just closed) are raised as the service's
`ApplicationError` for the page to show as a message.

The discussion's forms (a comment, a moderator's reason to hide one) are here too.
"""

from __future__ import annotations

import re
from datetime import datetime
from decimal import Decimal

from django import forms
from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.utils import timezone

from config.errors import ApplicationError
from predictions import comment_services, services
from predictions.models import Forecast
from registry.models import Question
from registry.services import forecaster_for_user

MIN_PERCENT = Decimal("0.1")
MAX_PERCENT = Decimal("99.9")
HUNDRED = Decimal(100)
# Django formats these messages with %-parameters: a literal percent sign is "%%".
RANGE_MESSAGE = (
    "Enter a chance between 0.1%% and 99.9%% (for example 70, 70%% or 0.7 for a 70%% chance)."
)
INPUT_RULE = (
    "70, 70% and 0.7 all mean a 70% chance: a number below 1 is read as a probability "
    "unless it has a % sign (0.5% is half a percent)."
)
RATIONALE_FIELD = "rationale"

# What to say when the question takes no forecast at all right now.
REFUSALS = {
    Question.Status.DRAFT: "This question is a draft and takes no forecasts yet.",
    Question.Status.UPCOMING: "This question has not opened yet.",
    Question.Status.CLOSED: "This question has closed; no more forecasts are accepted.",
    Question.Status.RESOLVING: "This question has closed and its outcome is being resolved.",
    Question.Status.RESOLVED: "This question has resolved; no more forecasts are accepted.",
    Question.Status.ANNULLED: "This question was annulled; no more forecasts are accepted.",
}


def refusal_for(status: str, *, closes_at: datetime | None = None) -> str:
    """Why the question takes no forecast now. An outcome can be proposed before the close
    (the event happened early): the question has not closed then, and is not said to."""
    if status == Question.Status.RESOLVING and closes_at is not None and timezone.now() < closes_at:
        return (
            "An outcome has been proposed before the close, so forecasts are paused while "
            "it is confirmed."
        )
    return REFUSALS.get(status, f"This question is {status} and takes no forecasts.")


_PLAIN_NUMBER = re.compile(r"[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?", re.ASCII)


def understood_percent(typed: str) -> Decimal | None:
    """What a typed chance means, in percent, by the rule above; None if it is no number."""
    text = typed.strip().replace(",", ".").replace("\u00a0", "").replace(" ", "")
    is_percent = text.endswith("%")
    text = text.removesuffix("%")
    if not text or len(text) > 40 or not _PLAIN_NUMBER.fullmatch(text):
        return None  # "1_0", "١٢": not read as 10 and 12 (the page's preview reads neither)
    try:
        number = Decimal(text)
    except ArithmeticError:
        return None
    if not number.is_finite():
        return None
    # Far out of range either way: said as out of range, without arithmetic on a number
    # too large for Decimal's context (1e1000000 overflows it).
    if number.adjusted() > 6:
        return Decimal(10**7) * (1 if number > 0 else -1)
    if number and number.adjusted() < -6:
        return Decimal(0)
    if not is_percent and 0 < number < 1:
        return number * HUNDRED
    return number


class PercentField(forms.DecimalField):
    """A chance between 0.1% and 99.9%, typed as 70, 70% or 0.7 (see the module's rule)."""

    widget = forms.TextInput
    default_error_messages = {
        "invalid": "Enter a number, such as 70, 70% or 0.7 for a 70% chance.",
        "required": "Enter a percentage.",
        "min_value": RANGE_MESSAGE,
        "max_value": RANGE_MESSAGE,
        "max_decimal_places": "Use at most three decimal places.",
    }

    def __init__(self, **kwargs) -> None:  # type: ignore[no-untyped-def]
        kwargs.setdefault("min_value", MIN_PERCENT)
        kwargs.setdefault("max_value", MAX_PERCENT)
        # No limit on the digits as such: the range says what is too big, once.
        kwargs.setdefault("max_digits", None)
        kwargs.setdefault("decimal_places", 3)
        super().__init__(**kwargs)

    def to_python(self, value):  # type: ignore[no-untyped-def]
        if value in self.empty_values:
            return None
        understood = understood_percent(str(value))
        if understood is None:
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid")
        # 0.7 -> 70; three decimal places of a percent at most (validated after).
        return understood.normalize()

    def widget_attrs(self, widget):  # type: ignore[no-untyped-def]
        attrs = super().widget_attrs(widget)
        # A text box: a number box refuses "70%". The server says what is wrong.
        attrs.pop("step", None)
        attrs.update({"inputmode": "decimal", "class": "percent", "autocomplete": "off"})
        attrs["data-understood"] = "1"
        return attrs


def _rationale_field() -> forms.CharField:
    return forms.CharField(
        label="Why? (optional)",
        required=False,
        max_length=services.MAX_RATIONALE_CHARS,
        strip=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Your reasoning, for yourself and for others once the question closes.",
    )


def _as_percent(probability: float) -> str:
    """0.7 -> "70", as a person would type it."""
    percent = (Decimal(str(probability)) * HUNDRED).quantize(Decimal("0.001")).normalize()
    return f"{percent:f}"


class ForecastForm(forms.Form):
    """What both forms share: mapping the service's field names onto form fields.

    Subclasses define `submission()`: the keyword arguments for `forecast_submit`."""

    # The service's field name -> this form's field name.
    service_fields: dict[str, str] = {RATIONALE_FIELD: RATIONALE_FIELD}

    def add_service_errors(self, fields: dict[str, str]) -> None:
        for name, message in fields.items():
            target = self.service_fields.get(name)
            if target is None or target not in self.fields:
                self.add_error(None, f"{name}: {message}" if name != "question" else message)
            else:
                self.add_error(target, message)


class BinaryForecastForm(ForecastForm):
    probability = PercentField(
        label="Your chance that the answer is Yes",
        help_text=f"From 0.1% to 99.9%. {INPUT_RULE}",
    )
    rationale = _rationale_field()
    service_fields = {"probability": "probability", RATIONALE_FIELD: RATIONALE_FIELD}

    def __init__(self, *args, question: Question, latest: Forecast | None = None, **kwargs):  # type: ignore[no-untyped-def]
        if latest is not None and "initial" not in kwargs:
            kwargs["initial"] = {"probability": _as_percent(latest.probabilities[0])}
        super().__init__(*args, **kwargs)
        self.question = question

    def submission(self) -> dict:
        return {"probability": float(self.cleaned_data["probability"] / HUNDRED)}


class MultipleChoiceForecastForm(ForecastForm):
    """One percentage per option (fields `option_0`, `option_1`, ... in option order),
    adding up to 100."""

    def __init__(self, *args, question: Question, latest: Forecast | None = None, **kwargs):  # type: ignore[no-untyped-def]
        self.labels = question.option_labels()
        if latest is not None and "initial" not in kwargs:
            kwargs["initial"] = {
                f"option_{index}": _as_percent(p) for index, p in enumerate(latest.probabilities)
            }
        super().__init__(*args, **kwargs)
        self.question = question
        self.service_fields = {
            RATIONALE_FIELD: RATIONALE_FIELD,
            **{f"probabilities.{label}": f"option_{i}" for i, label in enumerate(self.labels)},
        }
        for index, label in enumerate(self.labels):
            self.fields[f"option_{index}"] = PercentField(label=label)
        # The rationale after the options.
        self.fields[RATIONALE_FIELD] = _rationale_field()

    @property
    def option_fields(self) -> list[forms.BoundField]:
        return [self[f"option_{index}"] for index in range(len(self.labels))]

    def typed_total(self) -> str | None:
        """The sum of what the boxes hold (typed or prefilled), if every one holds a number."""
        total = Decimal(0)
        for field in self.option_fields:
            value = field.value()
            if value in (None, ""):
                return None
            number = understood_percent(str(value))
            if number is None:
                return None
            total += number
        return f"{total.normalize():f}"

    def clean(self) -> dict:
        cleaned = super().clean()
        values = [cleaned.get(f"option_{index}") for index in range(len(self.labels))]
        if all(value is not None for value in values):
            total = sum(values, Decimal(0))
            if total != HUNDRED:
                raise forms.ValidationError(
                    f"Your percentages add up to {total.normalize():f}; they must add up to 100.",
                    code="sum",
                )
        return cleaned

    def add_service_errors(self, fields: dict[str, str]) -> None:
        if "probabilities" in fields:  # the options as a whole, e.g. their sum
            self.add_error(None, f"The percentages {fields['probabilities']}.")
            fields = {name: text for name, text in fields.items() if name != "probabilities"}
        super().add_service_errors(fields)

    def submission(self) -> dict:
        return {
            "probabilities": {
                label: float(self.cleaned_data[f"option_{index}"] / HUNDRED)
                for index, label in enumerate(self.labels)
            }
        }


def forecast_form(
    question: Question, *, data=None, latest: Forecast | None = None
) -> BinaryForecastForm | MultipleChoiceForecastForm:  # type: ignore[no-untyped-def]
    """The form for the question's kind, bound to POST data or showing `latest` (the
    viewer's standing forecast) to start from."""
    form_class = BinaryForecastForm if question.is_binary else MultipleChoiceForecastForm
    return form_class(data=data, question=question, latest=latest, auto_id="forecast-%s")


def forecast_form_submit(
    form: BinaryForecastForm | MultipleChoiceForecastForm,
    *,
    question: Question,
    user: AbstractBaseUser,
) -> Forecast | None:
    """Record the form's forecast as the user's, from the web page.

    Returns the new forecast, or None with the errors on the form. A refusal that is not
    about the input (the question closed meanwhile: a 409) is raised as ApplicationError.
    """
    if not form.is_valid():
        return None
    try:
        # One transaction: a refused forecast leaves nothing behind, not even the profile
        # made for a first-time forecaster.
        with transaction.atomic():
            return services.forecast_submit(
                forecaster=forecaster_for_user(user=user),
                question=question,
                rationale=form.cleaned_data.get(RATIONALE_FIELD) or "",
                origin=Forecast.Origin.WEB,
                **form.submission(),
            )
    except ApplicationError as error:
        if error.code != "invalid":
            raise
        form.add_service_errors(error.fields or {"question": error.message})
        return None


def forecast_reaffirm(*, question: Question, user: AbstractBaseUser) -> Forecast:
    """The user's standing forecast again, now: the same probabilities and reasons, so
    the forecast is counted as current without being retyped."""
    forecaster = forecaster_for_user(user=user)
    latest = (
        Forecast.objects.filter(question=question, forecaster=forecaster)
        .order_by("-submitted_at", "-id")
        .first()
    )
    if latest is None:
        raise ApplicationError.invalid_fields({"forecast": "there is no forecast to reaffirm"})
    if question.is_binary:
        vector = {"probability": latest.probabilities[0]}
    else:
        labels = question.option_labels()
        vector = {"probabilities": dict(zip(labels, latest.probabilities, strict=True))}
    return services.forecast_submit(
        forecaster=forecaster,
        question=question,
        rationale=latest.rationale,
        origin=Forecast.Origin.WEB,
        **vector,
    )


# --- The discussion's forms (comment_services behind them)


class CommentForm(forms.Form):
    """A comment's Markdown; the service decides what is acceptable and says it here."""

    body = forms.CharField(
        label="Your comment",
        required=False,
        max_length=comment_services.MAX_COMMENT_CHARS,
        strip=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="Markdown: *emphasis*, **bold**, `code`, [links](https://example.org), "
        "lists and > quotes. Others see it at once; you can edit it for a few minutes.",
    )

    def add_service_errors(self, error: ApplicationError) -> None:
        if "body" in error.fields:
            self.add_error("body", error.fields["body"])
        else:  # about the question or the moment (a draft): the sentence says it
            self.add_error(None, error.message)


class CommentHideForm(forms.Form):
    reason = forms.CharField(
        label="Why hide it?",
        max_length=comment_services.MAX_HIDE_REASON_CHARS,
        error_messages={"required": "Say why the comment is hidden."},
    )

"""Choices that the registry reads and the apps above it store.

A resolution's outcome and state decide a question's status, which the registry derives in
SQL; the resolvers' model stores them with these same choices, so the registry needs no
import from the app above it.
"""

from django.db import models


class ResolutionOutcome(models.TextChoices):
    YES = "yes", "Yes"
    NO = "no", "No"
    OPTION = "option", "An option (multiple choice)"
    ANNULLED = "annulled", "Annulled"


class ResolutionState(models.TextChoices):
    PROPOSED = "proposed", "Proposed"
    FINAL = "final", "Final"

# The people's crowd scored as a forecaster (CrowdScore per question, CrowdTotal per scope),
# and the rule change that comes with it: the crowd median relative scores are measured
# against is the people's (kind human) alone, so bots and pundits no longer move it.
#
# Every stored score was computed against everyone's median, so every current final outcome
# is marked unscored here: beat's `predictions.rescore_stale` (every 5 minutes) then rescores
# each question through the task outbox, filling the crowd tables too. `manage.py rescore
# --all` does the same at once; `manage.py verify_scores` is clean after either.

import django.db.models.deletion
from django.db import migrations, models


def mark_every_outcome_for_rescoring(apps, schema_editor):
    Resolution = apps.get_model("resolvers", "Resolution")
    Resolution.objects.filter(superseded_at__isnull=True, state="final").exclude(
        outcome="annulled"
    ).update(scored_at=None)


class Migration(migrations.Migration):
    dependencies = [
        ("predictions", "0007_follows"),
        ("registry", "0007_profile_links_and_deletion"),
        ("resolvers", "0004_source_health_and_holds"),
    ]

    operations = [
        migrations.CreateModel(
            name="CrowdTotal",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("scope", models.CharField(max_length=140, unique=True)),
                ("questions", models.PositiveIntegerField()),
                ("mean_brier", models.FloatField()),
                ("mean_relative_score", models.FloatField()),
                ("mean_log_loss", models.FloatField()),
            ],
            options={
                "ordering": ["scope"],
            },
        ),
        migrations.CreateModel(
            name="CrowdScore",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("brier", models.FloatField(help_text="Mean daily Brier of the crowd's forecast.")),
                (
                    "relative_score",
                    models.FloatField(
                        help_text="Mean daily (crowd forecast - crowd median) Brier."
                    ),
                ),
                (
                    "log_loss",
                    models.FloatField(
                        help_text="-ln of the crowd's final forecast on the outcome."
                    ),
                ),
                (
                    "spherical",
                    models.FloatField(help_text="Spherical score of the crowd's final forecast."),
                ),
                (
                    "days",
                    models.PositiveIntegerField(help_text="Window days on which a person stood."),
                ),
                (
                    "window_days",
                    models.PositiveIntegerField(help_text="Days in the question's scoring window."),
                ),
                (
                    "question",
                    models.OneToOneField(
                        db_constraint=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="crowd_score",
                        to="registry.question",
                    ),
                ),
                (
                    "resolution",
                    models.ForeignKey(
                        db_constraint=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="crowd_scores",
                        to="resolvers.resolution",
                    ),
                ),
            ],
            options={
                "ordering": ["question"],
                "constraints": [
                    models.CheckConstraint(
                        condition=models.Q(("brier__gte", 0), ("brier__lte", 2)),
                        name="crowd_score_brier_range",
                    )
                ],
            },
        ),
        migrations.RunPython(mark_every_outcome_for_rescoring, migrations.RunPython.noop),
    ]

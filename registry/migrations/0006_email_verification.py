"""Email verification: a person's login is listed on the leaderboards once its address is
confirmed. Accounts that existed before this change, with an email address, are taken as
confirmed (they signed up under the old rules, and their reminder emails have been going to
that address); an account without an address stays unconfirmed until it has one."""

from django.db import migrations, models
from django.db.models.functions import Now


def mark_existing_accounts_verified(apps, schema_editor):
    Forecaster = apps.get_model("registry", "Forecaster")
    Forecaster.objects.filter(
        kind="human", user__isnull=False, email_verified_at__isnull=True
    ).exclude(user__email="").update(email_verified_at=Now())


class Migration(migrations.Migration):
    dependencies = [
        ("registry", "0005_source_url_web_address"),
    ]

    operations = [
        migrations.AddField(
            model_name="forecaster",
            name="email_verified_at",
            field=models.DateTimeField(
                blank=True,
                help_text="When the login's email address was confirmed by its link. A human "
                "with a login appears on leaderboards only once it is.",
                null=True,
            ),
        ),
        migrations.RunPython(mark_existing_accounts_verified, migrations.RunPython.noop),
    ]

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("registry", "0006_email_verification"),
    ]

    operations = [
        migrations.AddField(
            model_name="forecaster",
            name="links",
            field=models.JSONField(
                blank=True,
                default=list,
                help_text="Up to three http(s) addresses shown on the profile.",
            ),
        ),
        migrations.AddField(
            model_name="forecaster",
            name="deleted_at",
            field=models.DateTimeField(
                blank=True,
                help_text="When its person deleted the account: the personal data went, the "
                "forecasts and scores stay, under a handle that names nobody.",
                null=True,
            ),
        ),
    ]

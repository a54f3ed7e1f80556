# Follows (a question, a forecaster or a source), notification settings, and notices kept
# for the daily digest (predictions/follow_models.py).

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('predictions', '0006_comments'),
        ('registry', '0005_source_url_web_address'),
    ]

    operations = [
        migrations.CreateModel(
            name='Follow',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('created_at', models.DateTimeField(auto_now_add=True)),
            ],
            options={
                'ordering': ['-created_at', '-id'],
            },
        ),
        migrations.CreateModel(
            name='NotificationSettings',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('closing_reminder', models.BooleanField(default=True)),
                ('resolved_notice', models.BooleanField(default=True)),
                ('outcome_proposed', models.BooleanField(default=True)),
                ('stale_forecast', models.BooleanField(default=True)),
                ('followed_forecaster', models.BooleanField(default=True)),
                ('followed_source', models.BooleanField(default=True)),
                ('daily_digest', models.BooleanField(default=False, help_text="One email a day collecting the day's notices.")),
                ('webhook_url', models.CharField(blank=True, help_text='A Slack or Discord incoming webhook.', max_length=500)),
                ('webhook_error', models.CharField(blank=True, help_text='Why the last post to the webhook failed.', max_length=500)),
                ('last_digest_sent_at', models.DateTimeField(blank=True, null=True)),
                ('updated_at', models.DateTimeField(auto_now=True)),
            ],
            options={
                'verbose_name_plural': 'notification settings',
            },
        ),
        migrations.AddField(
            model_name='notification',
            name='pending_digest',
            field=models.BooleanField(default=False, help_text='Waiting for the daily digest, which sends and clears it.'),
        ),
        migrations.AddField(
            model_name='notification',
            name='summary',
            field=models.TextField(blank=True, help_text="The notice's text, kept for the digest."),
        ),
        migrations.AlterField(
            model_name='notification',
            name='kind',
            field=models.CharField(choices=[('closing_reminder', 'Closes within a day'), ('resolved_notice', 'Resolved, with the score'), ('outcome_proposed', 'An outcome is proposed'), ('stale_forecast', 'Your forecast is stale'), ('followed_forecaster', 'A forecaster you follow forecast on a new question'), ('followed_source', 'A new question from a source you follow')], max_length=30),
        ),
        migrations.AddIndex(
            model_name='notification',
            index=models.Index(condition=models.Q(('pending_digest', True)), fields=['forecaster'], name='notification_pending_digest'),
        ),
        migrations.AddField(
            model_name='follow',
            name='follower',
            field=models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='follows', to='registry.forecaster'),
        ),
        migrations.AddField(
            model_name='follow',
            name='forecaster',
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.CASCADE, related_name='followers', to='registry.forecaster'),
        ),
        migrations.AddField(
            model_name='follow',
            name='question',
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.CASCADE, related_name='followers', to='registry.question'),
        ),
        migrations.AddField(
            model_name='follow',
            name='source',
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.CASCADE, related_name='followers', to='registry.source'),
        ),
        migrations.AddField(
            model_name='notificationsettings',
            name='forecaster',
            field=models.OneToOneField(on_delete=django.db.models.deletion.CASCADE, related_name='notification_settings', to='registry.forecaster'),
        ),
        migrations.AddConstraint(
            model_name='follow',
            constraint=models.CheckConstraint(condition=models.Q(models.Q(('forecaster__isnull', True), ('question__isnull', False), ('source__isnull', True)), models.Q(('forecaster__isnull', False), ('question__isnull', True), ('source__isnull', True)), models.Q(('forecaster__isnull', True), ('question__isnull', True), ('source__isnull', False)), _connector='OR'), name='follow_has_exactly_one_target'),
        ),
        migrations.AddConstraint(
            model_name='follow',
            constraint=models.CheckConstraint(condition=models.Q(('forecaster', models.F('follower')), _negated=True), name='follow_not_oneself'),
        ),
        migrations.AddConstraint(
            model_name='follow',
            constraint=models.UniqueConstraint(condition=models.Q(('question__isnull', False)), fields=('follower', 'question'), name='one_follow_per_question'),
        ),
        migrations.AddConstraint(
            model_name='follow',
            constraint=models.UniqueConstraint(condition=models.Q(('forecaster__isnull', False)), fields=('follower', 'forecaster'), name='one_follow_per_forecaster'),
        ),
        migrations.AddConstraint(
            model_name='follow',
            constraint=models.UniqueConstraint(condition=models.Q(('source__isnull', False)), fields=('follower', 'source'), name='one_follow_per_source'),
        ),
    ]

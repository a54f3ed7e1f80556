# The discussion under a question (predictions/comments.py).

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('predictions', '0005_sqlite_forecast_rules'),
        ('registry', '0005_source_url_web_address'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name='Comment',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('body', models.TextField(help_text='Markdown source, as the author wrote it.')),
                ('body_html', models.TextField(editable=False)),
                ('created_at', models.DateTimeField()),
                ('edited_at', models.DateTimeField(blank=True, null=True)),
                ('hidden_at', models.DateTimeField(blank=True, null=True)),
                ('hidden_reason', models.CharField(blank=True, max_length=500)),
                ('author', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='comments', to='registry.forecaster')),
                ('hidden_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='hidden_comments', to=settings.AUTH_USER_MODEL)),
                ('question', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='comments', to='registry.question')),
                ('standing_forecast', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='comments', to='predictions.forecast')),
            ],
            options={
                'ordering': ['question', 'created_at', 'id'],
                'indexes': [models.Index(fields=['question', 'created_at', 'id'], name='comment_thread')],
                'constraints': [
                    models.CheckConstraint(condition=models.Q(models.Q(('hidden_at__isnull', True), ('hidden_reason', '')), models.Q(('hidden_at__isnull', False), models.Q(('hidden_reason', ''), _negated=True)), _connector='OR'), name='comment_hidden_with_reason'),
                    models.CheckConstraint(condition=models.Q(('edited_at__isnull', True), ('edited_at__gte', models.F('created_at')), _connector='OR'), name='comment_edited_after_posting'),
                ],
            },
        ),
    ]

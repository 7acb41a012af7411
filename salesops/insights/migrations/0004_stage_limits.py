"""The stuck-deal rules' learned limits per open stage and customer tier (StageLimit): stored so
that a scan reads them instead of ranking every finished stay (issue 6)."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('crm', '0005_opportunity_amount_index'),
        ('insights', '0003_alert_scan_indexes'),
    ]

    operations = [
        migrations.CreateModel(
            name='StageLimit',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('tier', models.CharField(max_length=20)),
                ('limit_us', models.PositiveBigIntegerField()),
                ('basis', models.CharField(max_length=10)),
                ('samples', models.PositiveIntegerField()),
                ('learned_at', models.DateTimeField()),
                ('percentile', models.PositiveSmallIntegerField()),
                ('min_samples', models.PositiveSmallIntegerField()),
                ('days', models.PositiveIntegerField()),
                ('rule', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='stage_limits', to='insights.alertrule')),
                ('stage', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='+', to='crm.stage')),
            ],
            options={
                'constraints': [models.UniqueConstraint(fields=('rule', 'stage', 'tier'), name='insights_stagelimit_unique')],
            },
        ),
    ]

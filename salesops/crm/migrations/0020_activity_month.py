"""Done activities per owner and local month (crm.ActivityMonth), kept by triggers on the
activities and filled from those already stored, placed in the time zone of crm.RollupState
(crm 0011). The managers page reads a company's quarter of done activities: ~80k daily rows
at scale M, ~3k monthly ones. The SQL is in salesops/crm/activity_month_sql.py (shared with
`salesops crm_rebuild_rollups`).

A later migration that rebuilds crm_activity on SQLite drops these triggers with the old table
and must run this migration's SQL again (test_deal_month checks that the triggers exist).
"""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

from salesops.core.migration_sql import VendorSQL
from salesops.crm import activity_month_sql


class Migration(migrations.Migration):

    dependencies = [
        ('crm', '0019_activity_day_owner_index'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name='ActivityMonth',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('month', models.DateField(verbose_name='month')),
                ('n', models.BigIntegerField(default=0)),
                ('owner', models.ForeignKey(db_constraint=False, db_index=False, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to=settings.AUTH_USER_MODEL)),
            ],
            options={
                'verbose_name': 'activities of a month',
                'verbose_name_plural': 'activities of a month',
                'constraints': [models.UniqueConstraint(fields=('month', 'owner'), name='crm_activitymonth_key')],
            },
        ),
        VendorSQL("postgresql", [*activity_month_sql.POSTGRESQL, *activity_month_sql.PG_REBUILD],
                  activity_month_sql.POSTGRESQL_DROP),
        VendorSQL("sqlite", [*activity_month_sql.SQLITE, *activity_month_sql.SQLITE_REBUILD],
                  activity_month_sql.SQLITE_DROP),
    ]

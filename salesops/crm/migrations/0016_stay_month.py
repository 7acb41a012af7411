"""Finished stays per owner, local month of their end and stage (crm.StayMonth), kept by
triggers on the stage history and on the deals' owner, and filled from what is stored. The
SQL is in salesops/crm/stay_sql.py (shared with `salesops crm_rebuild_rollups`).

A later migration that rebuilds crm_stagehistory or crm_opportunity on SQLite drops these
triggers with the old table and must run this migration's SQL again (test_deal_month checks).
"""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

from salesops.core.migration_sql import VendorSQL
from salesops.crm import stay_sql


class Migration(migrations.Migration):

    dependencies = [
        ('crm', '0015_deal_cohort'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name='StayMonth',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('month', models.DateField(verbose_name='month')),
                ('stage_id', models.IntegerField(verbose_name='stage')),
                ('n', models.BigIntegerField(default=0)),
                ('total_us', models.BigIntegerField(default=0)),
                ('owner', models.ForeignKey(db_constraint=False, db_index=False, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to=settings.AUTH_USER_MODEL)),
            ],
            options={
                'verbose_name': 'stays ended in a month',
                'verbose_name_plural': 'stays ended in a month',
                'constraints': [models.UniqueConstraint(fields=('month', 'owner', 'stage_id'), name='crm_staymonth_key')],
            },
        ),
        VendorSQL("postgresql", [*stay_sql.POSTGRESQL, *stay_sql.PG_REBUILD],
                  stay_sql.POSTGRESQL_DROP),
        VendorSQL("sqlite", [*stay_sql.SQLITE, *stay_sql.SQLITE_REBUILD], stay_sql.SQLITE_DROP),
    ]

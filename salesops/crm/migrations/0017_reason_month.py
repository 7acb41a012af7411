"""Each owner's closed deals per local month, stage and lost reason (crm.ReasonMonth), kept
by triggers on the deals and filled from the deals already stored. The SQL is in
salesops/crm/reason_sql.py (shared with `salesops crm_rebuild_rollups`).

A later migration that rebuilds crm_opportunity on SQLite drops these triggers with the old
table and must run this migration's SQL again (test_deal_month checks that they exist).
"""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

import salesops.core.money
from salesops.core.migration_sql import VendorSQL
from salesops.crm import reason_sql


class Migration(migrations.Migration):

    dependencies = [
        ('crm', '0016_stay_month'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name='ReasonMonth',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('month', models.DateField(verbose_name='month')),
                ('stage_id', models.IntegerField(verbose_name='stage')),
                ('reason', models.CharField(blank=True, max_length=20, verbose_name='lost reason')),
                ('n', models.BigIntegerField(default=0)),
                ('amount', salesops.core.money.MoneyField(default=0, verbose_name='amount')),
                ('owner', models.ForeignKey(db_constraint=False, db_index=False, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to=settings.AUTH_USER_MODEL)),
            ],
            options={
                'verbose_name': 'closed deals of a month by lost reason',
                'verbose_name_plural': 'closed deals of a month by lost reason',
                'constraints': [models.UniqueConstraint(fields=('month', 'owner', 'stage_id', 'reason'), name='crm_reasonmonth_key')],
            },
        ),
        VendorSQL("postgresql", [*reason_sql.POSTGRESQL, *reason_sql.PG_REBUILD],
                  reason_sql.POSTGRESQL_DROP),
        VendorSQL("sqlite", [*reason_sql.SQLITE, *reason_sql.SQLITE_REBUILD],
                  reason_sql.SQLITE_DROP),
    ]

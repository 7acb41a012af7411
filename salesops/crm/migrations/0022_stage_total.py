"""Each owner's deals per stage, open or closed (crm.StageTotal), kept by triggers on the
deals and filled from the deals already stored: the deal list's totals for a status, a stage
or an owner. The SQL is in salesops/crm/open_sql.py (shared with `salesops
crm_rebuild_rollups`).

A later migration that rebuilds crm_opportunity on SQLite drops these triggers with the old
table and must run this migration's SQL again (test_deal_month checks that they exist).
"""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

import salesops.core.money
from salesops.core.migration_sql import VendorSQL
from salesops.crm.open_sql import STAGE_TOTAL


class Migration(migrations.Migration):

    dependencies = [
        ('crm', '0021_open_deals_by_close_index'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name='StageTotal',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('stage_id', models.IntegerField(verbose_name='stage')),
                ('n', models.BigIntegerField(default=0)),
                ('amount', salesops.core.money.MoneyField(default=0, verbose_name='amount')),
                ('weighted', salesops.core.money.MoneyField(default=0, verbose_name='weighted amount')),
                ('owner', models.ForeignKey(db_constraint=False, db_index=False, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to=settings.AUTH_USER_MODEL)),
            ],
            options={
                'verbose_name': 'deals of a stage',
                'verbose_name_plural': 'deals of a stage',
                'constraints': [models.UniqueConstraint(fields=('owner', 'stage_id'), name='crm_stagetotal_key')],
            },
        ),
        VendorSQL("postgresql", [*STAGE_TOTAL.POSTGRESQL, *STAGE_TOTAL.PG_REBUILD],
                  STAGE_TOTAL.POSTGRESQL_DROP),
        VendorSQL("sqlite", [*STAGE_TOTAL.SQLITE, *STAGE_TOTAL.SQLITE_REBUILD],
                  STAGE_TOTAL.SQLITE_DROP),
    ]

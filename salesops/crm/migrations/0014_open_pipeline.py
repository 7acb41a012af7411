"""Each owner's open deals per stage (crm.OpenPipeline), kept by triggers on the deals and
filled from the deals already stored. The SQL is in salesops/crm/open_sql.py (shared with
`salesops crm_rebuild_rollups`).

A later migration that rebuilds crm_opportunity on SQLite drops these triggers with the old
table and must run this migration's SQL again (test_deal_month checks that they exist).
"""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

import salesops.core.money
from salesops.core.migration_sql import VendorSQL
from salesops.crm import open_sql


class Migration(migrations.Migration):

    dependencies = [
        ('crm', '0013_first_win'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name='OpenPipeline',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('stage_id', models.IntegerField(verbose_name='stage')),
                ('n', models.BigIntegerField(default=0)),
                ('amount', salesops.core.money.MoneyField(default=0, verbose_name='amount')),
                ('weighted', salesops.core.money.MoneyField(default=0, verbose_name='weighted amount')),
                ('owner', models.ForeignKey(db_constraint=False, db_index=False, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to=settings.AUTH_USER_MODEL)),
            ],
            options={
                'verbose_name': 'open deals of a stage',
                'verbose_name_plural': 'open deals of a stage',
                'constraints': [models.UniqueConstraint(fields=('owner', 'stage_id'), name='crm_openpipeline_key')],
            },
        ),
        VendorSQL("postgresql", [*open_sql.POSTGRESQL, *open_sql.PG_REBUILD],
                  open_sql.POSTGRESQL_DROP),
        VendorSQL("sqlite", [*open_sql.SQLITE, *open_sql.SQLITE_REBUILD], open_sql.SQLITE_DROP),
    ]

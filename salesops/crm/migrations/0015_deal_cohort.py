"""Deals per owner, local month of opening and stages reached (crm.DealCohort), kept by
triggers on the deals and on crm_stagesreached and filled from what is stored. The SQL is in
salesops/crm/cohort_sql.py (shared with `salesops crm_rebuild_rollups`).

A later migration that rebuilds crm_opportunity or crm_stagesreached on SQLite drops these
triggers with the old table and must run this migration's SQL again (test_deal_month checks).
"""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

import salesops.core.money
from salesops.core.migration_sql import VendorSQL
from salesops.crm import cohort_sql


class Migration(migrations.Migration):

    dependencies = [
        ('crm', '0014_open_pipeline'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name='DealCohort',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('month', models.DateField(verbose_name='month')),
                ('bits', models.BigIntegerField(verbose_name='stages reached')),
                ('n', models.BigIntegerField(default=0)),
                ('amount', salesops.core.money.MoneyField(default=0, verbose_name='amount')),
                ('owner', models.ForeignKey(db_constraint=False, db_index=False, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to=settings.AUTH_USER_MODEL)),
            ],
            options={
                'verbose_name': 'deals opened in a month',
                'verbose_name_plural': 'deals opened in a month',
                'constraints': [models.UniqueConstraint(fields=('month', 'owner', 'bits'), name='crm_dealcohort_key')],
            },
        ),
        VendorSQL("postgresql", [*cohort_sql.POSTGRESQL, *cohort_sql.PG_REBUILD],
                  cohort_sql.POSTGRESQL_DROP),
        VendorSQL("sqlite", [*cohort_sql.SQLITE, *cohort_sql.SQLITE_REBUILD],
                  cohort_sql.SQLITE_DROP),
    ]

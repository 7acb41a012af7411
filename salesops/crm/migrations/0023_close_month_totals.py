"""Each owner's deals per stage and month of expected close, open or closed
(crm.CloseMonthTotal), kept by triggers on the deals and filled from the deals already stored:
the deal list's totals over whole months of expected close. The SQL is in
salesops/crm/open_sql.py (shared with `salesops crm_rebuild_rollups`).

A later migration that rebuilds crm_opportunity on SQLite drops these triggers with the old
table and must run this migration's SQL again (test_deal_month checks that they exist).
"""

import django.db.models.deletion
import salesops.core.money
from django.conf import settings
from django.db import migrations, models

from salesops.core.migration_sql import VendorSQL
from salesops.crm.open_sql import CLOSE_MONTH_TOTAL


class Migration(migrations.Migration):

    dependencies = [
        ('crm', '0022_stage_total'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name='CloseMonthTotal',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('stage_id', models.IntegerField(verbose_name='stage')),
                ('n', models.BigIntegerField(default=0)),
                ('amount', salesops.core.money.MoneyField(default=0, verbose_name='amount')),
                ('weighted', salesops.core.money.MoneyField(default=0, verbose_name='weighted amount')),
                ('month', models.DateField(verbose_name='month of expected close')),
                ('owner', models.ForeignKey(db_constraint=False, db_index=False, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to=settings.AUTH_USER_MODEL)),
            ],
            options={
                'verbose_name': 'deals of a stage by month of expected close',
                'verbose_name_plural': 'deals of a stage by month of expected close',
                'indexes': [models.Index(fields=['month', 'stage_id', 'owner', 'n', 'amount', 'weighted'], name='crm_closemonthtotal_sums')],
                'constraints': [models.UniqueConstraint(fields=('month', 'stage_id', 'owner'), name='crm_closemonthtotal_key')],
            },
        ),
        VendorSQL("postgresql", [*CLOSE_MONTH_TOTAL.POSTGRESQL, *CLOSE_MONTH_TOTAL.PG_REBUILD],
                  CLOSE_MONTH_TOTAL.POSTGRESQL_DROP),
        VendorSQL("sqlite", [*CLOSE_MONTH_TOTAL.SQLITE, *CLOSE_MONTH_TOTAL.SQLITE_REBUILD],
                  CLOSE_MONTH_TOTAL.SQLITE_DROP),
    ]

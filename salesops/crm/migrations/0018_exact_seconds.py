"""SQLite: the deals' time from opening to closing (crm.DealMonth) and the stays' lengths
(crm.StayMonth) in exact seconds. SQLite's strftime('%s') rounds a time's fraction to the
millisecond first, so a time of .9995 s or more past a second counted as the next one; the
triggers now read the whole seconds apart from the fraction (rollup_sql._micros, as
core.localtime.sqlite_micros reads the records). The two rollups' SQLite triggers are made
again and the two tables rebuilt. PostgreSQL measures with EXTRACT(EPOCH ...) and is unchanged.
"""

from django.db import migrations

from salesops.core.migration_sql import VendorSQL
from salesops.crm import rollup_sql, stay_sql


class Migration(migrations.Migration):

    dependencies = [
        ('crm', '0017_reason_month'),
    ]

    operations = [
        VendorSQL("sqlite", [
            *rollup_sql.SQLITE_DROP, *stay_sql.SQLITE_DROP,
            *rollup_sql.SQLITE, *stay_sql.SQLITE,
            *rollup_sql.SQLITE_REBUILD, *stay_sql.SQLITE_REBUILD,
        ]),
    ]

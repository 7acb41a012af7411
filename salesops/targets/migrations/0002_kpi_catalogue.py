"""The shipped KPI catalogue and the default ramp rules for new hires."""

from django.db import migrations


def forwards(apps, schema_editor):
    from salesops.targets.catalogue import install

    install(apps.get_model("targets", "KpiDefinition"), apps.get_model("targets", "RampRule"))


class Migration(migrations.Migration):
    dependencies = [("targets", "0001_initial"), ("crm", "0003_reference_data")]
    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]

from django.db import migrations


def create_defaults(apps, schema_editor):
    NumberSequence = apps.get_model("hqcommerce", "NumberSequence")
    ReplicationCounter = apps.get_model("hqcommerce", "ReplicationCounter")
    NumberSequence.objects.get_or_create(
        code="customer_account", defaults={"prefix": "C", "width": 7, "next_value": 1}
    )
    ReplicationCounter.objects.get_or_create(name="customers")


class Migration(migrations.Migration):
    dependencies = [("hqcommerce", "0001_initial")]

    operations = [migrations.RunPython(create_defaults, migrations.RunPython.noop)]

from django.db import migrations


def create_sequences(apps, schema_editor):
    NumberSequence = apps.get_model("hqcommerce", "NumberSequence")
    NumberSequence.objects.get_or_create(
        code="sales_order", defaults={"prefix": "SO", "width": 8, "next_value": 1}
    )
    NumberSequence.objects.get_or_create(
        code="loyalty_card", defaults={"prefix": "LC", "width": 10, "next_value": 1}
    )


class Migration(migrations.Migration):
    dependencies = [
        ("hqcommerce", "0003_loyaltycard_salesorder_statement_uploadedtransaction_and_more")
    ]

    operations = [migrations.RunPython(create_sequences, migrations.RunPython.noop)]

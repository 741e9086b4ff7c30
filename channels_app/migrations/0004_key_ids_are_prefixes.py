"""A store device key's primary key becomes its prefix, as HQ's (hqcommerce 0021)."""

from django.db import migrations, router
from django.db.models import F


def ids_are_prefixes(apps, schema_editor):
    alias = schema_editor.connection.alias
    if not router.allow_migrate(alias, "channels_app"):
        return
    model = apps.get_model("channels_app", "StoreDeviceKey")
    model.objects.using(alias).exclude(id=F("prefix")).update(id=F("prefix"))


class Migration(migrations.Migration):
    dependencies = [("channels_app", "0003_store_move_and_limits")]

    operations = [migrations.RunPython(ids_are_prefixes, migrations.RunPython.noop)]

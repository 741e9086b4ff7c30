"""A device key's primary key becomes its prefix (channels_app/keys.py): the hash no longer
shows in admin URLs, pages and history. Each channel database's copies follow in
channels_app 0004, and 1070 writes them again with the new ids."""

from django.db import migrations, router
from django.db.models import F


def ids_are_prefixes(apps, schema_editor):
    alias = schema_editor.connection.alias
    if not router.allow_migrate(alias, "hqcommerce"):
        return
    for name in ("DeviceKey", "ScaleUnitKey"):
        model = apps.get_model("hqcommerce", name)
        model.objects.using(alias).exclude(id=F("prefix")).update(id=F("prefix"))


class Migration(migrations.Migration):
    dependencies = [("hqcommerce", "0020_realtime_service")]

    operations = [migrations.RunPython(ids_are_prefixes, migrations.RunPython.noop)]

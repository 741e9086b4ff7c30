"""Customer copies belong to a channel database, not to each store; so does 1010's watermark.

The old per-store copies are dropped and the new databases start at watermark 0, so the
next 1010 rebuilds one copy per database. Mapped temporary ids stay mapped.
"""

import django.db.models.deletion
from django.db import migrations, models


def _drop_store_copies(apps, schema_editor):
    apps.get_model("channels_app", "ChannelCustomer").objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [
        ("channels_app", "0004_translatable_labels"),
        ("hqcommerce", "0011_channel_database"),
    ]

    operations = [
        migrations.RunPython(_drop_store_copies, migrations.RunPython.noop),
        migrations.RemoveConstraint(
            model_name="channelcustomer", name="channelcust_unique_account"
        ),
        migrations.RemoveIndex(model_name="channelcustomer", name="channelcust_guid_idx"),
        migrations.RemoveField(model_name="channelcustomer", name="channel"),
        migrations.AddField(
            model_name="channelcustomer",
            name="channel_database",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.CASCADE,
                related_name="customer_copies",
                to="hqcommerce.channeldatabase",
                verbose_name="channel database",
            ),
            preserve_default=False,
        ),
        migrations.AddConstraint(
            model_name="channelcustomer",
            constraint=models.UniqueConstraint(
                fields=("channel_database", "account_number"), name="channelcust_unique_account"
            ),
        ),
        migrations.AddIndex(
            model_name="channelcustomer",
            index=models.Index(
                fields=["channel_database", "async_id"], name="channelcust_guid_idx"
            ),
        ),
        migrations.RemoveField(model_name="channelreplicationstate", name="download_watermark"),
        migrations.RemoveField(model_name="channelreplicationstate", name="last_download_at"),
    ]

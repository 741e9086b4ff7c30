"""Channel databases: 1010 writes each HQ customer once per channel database.

Existing channels join the default channel database.
"""

import django.db.models.deletion
from django.db import migrations, models

import hqcommerce.models.organization


def _assign_default(apps, schema_editor):
    ChannelDatabase = apps.get_model("hqcommerce", "ChannelDatabase")
    Channel = apps.get_model("hqcommerce", "Channel")
    database, _created = ChannelDatabase.objects.get_or_create(
        code="DEFAULT", defaults={"name": "Default channel database"}
    )
    Channel.objects.filter(channel_database__isnull=True).update(channel_database=database)


class Migration(migrations.Migration):
    dependencies = [
        ("hqcommerce", "0010_device_key_labels"),
    ]

    operations = [
        migrations.CreateModel(
            name="ChannelDatabase",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "code",
                    models.CharField(
                        max_length=20,
                        unique=True,
                        validators=[hqcommerce.models.organization.channel_code_validator],
                        verbose_name="code",
                    ),
                ),
                ("name", models.CharField(max_length=100, verbose_name="name")),
                (
                    "download_watermark",
                    models.PositiveBigIntegerField(default=0, verbose_name="download watermark"),
                ),
                (
                    "last_download_at",
                    models.DateTimeField(blank=True, null=True, verbose_name="last download at"),
                ),
            ],
            options={
                "verbose_name": "channel database",
                "verbose_name_plural": "channel databases",
                "ordering": ["code"],
            },
        ),
        migrations.AddField(
            model_name="channel",
            name="channel_database",
            field=models.ForeignKey(
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="channels",
                to="hqcommerce.channeldatabase",
            ),
        ),
        migrations.RunPython(_assign_default, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="channel",
            name="channel_database",
            field=models.ForeignKey(
                default=hqcommerce.models.organization.default_channel_database,
                help_text=(
                    "1010 writes HQ customers once per channel database; its stores share it."
                ),
                on_delete=django.db.models.deletion.PROTECT,
                related_name="channels",
                to="hqcommerce.channeldatabase",
                verbose_name="channel database",
            ),
        ),
    ]

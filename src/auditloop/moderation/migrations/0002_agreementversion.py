import uuid

from django.db import migrations, models
from django.utils import timezone


def first_version(apps, schema_editor):  # type: ignore[no-untyped-def]
    apps.get_model("moderation", "AgreementVersion").objects.get_or_create(
        pk=1, defaults={"token": uuid.uuid4().hex, "changed_at": timezone.now()})


class Migration(migrations.Migration):

    dependencies = [
        ("moderation", "0001_initial"),
    ]

    operations = [
        migrations.CreateModel(
            name="AgreementVersion",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("token", models.CharField(max_length=32)),
                ("changed_at", models.DateTimeField()),
            ],
        ),
        migrations.RunPython(first_version, migrations.RunPython.noop),
    ]

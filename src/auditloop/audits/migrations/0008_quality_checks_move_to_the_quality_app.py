"""Tier 1 quality control moved to its own app (quality). Its two models leave the audits
app's state only: the tables and their rows stay, and quality's 0001 takes them over under
the same table names."""

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('audits', '0007_audit_action_rows_and_short_conversations'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[],
            state_operations=[
                migrations.DeleteModel(name='QualityCheckTransition'),
                migrations.DeleteModel(name='QualityCheck'),
            ],
        ),
    ]

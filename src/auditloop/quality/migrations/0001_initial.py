"""Tier 1 quality control moved here from the audits app. The tables stay where they were
(audits_qualitycheck, audits_qualitychecktransition, and their indexes), so this only
tells Django's state that the two models now belong to quality: every row is kept. The
audits app's 0008 removed them from its state first. Content types (and so permissions)
follow the models."""

import django.db.models.deletion
from django.apps.registry import Apps
from django.db import migrations, models
from django.db.backends.base.schema import BaseDatabaseSchemaEditor

MODELS = ("qualitycheck", "qualitychecktransition")


def _move_content_types(apps: Apps, schema_editor: BaseDatabaseSchemaEditor, *, old: str,
                        new: str) -> None:
    content_type = apps.get_model("contenttypes", "ContentType")
    rows = content_type.objects.using(schema_editor.connection.alias)
    for model in MODELS:
        if not rows.filter(app_label=new, model=model).exists():
            rows.filter(app_label=old, model=model).update(app_label=new)


def content_types_to_quality(apps: Apps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    _move_content_types(apps, schema_editor, old="audits", new="quality")


def content_types_to_audits(apps: Apps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    _move_content_types(apps, schema_editor, old="quality", new="audits")


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ('actions', '0003_action_plans_and_findings'),
        ('audits', '0008_quality_checks_move_to_the_quality_app'),
        ('cases', '0002_register_index'),
        ('contenttypes', '0002_remove_content_type_name'),
        ('people', '0003_fostering'),
        ('standards', '0005_framework_moderation_escalation_loop'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[],
            state_operations=[
                migrations.CreateModel(
                    name='QualityCheck',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('created_at', models.DateTimeField(auto_now_add=True)),
                        ('updated_at', models.DateTimeField(auto_now=True)),
                        ('status', models.CharField(choices=[('waiting', 'Waiting for a check'), ('passed', 'Passed'), ('failed', 'Sent back to the lead professional'), ('reported', 'Put right, waiting for the central team to confirm'), ('fixed', 'Fixed and passed')], default='waiting', max_length=8)),
                        ('answers', models.JSONField(blank=True, default=dict)),
                        ('to_fix', models.TextField(blank=True)),
                        ('checked_at', models.DateTimeField(blank=True, null=True)),
                        ('fix_note', models.TextField(blank=True, help_text='What the lead professional put right.')),
                        ('action', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to='actions.action')),
                        ('checked_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='people.person')),
                        ('event', models.OneToOneField(on_delete=django.db.models.deletion.CASCADE, related_name='quality_check', to='cases.caseevent')),
                        ('sent_to', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='people.person')),
                        ('tool_version', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to='standards.toolversion')),
                    ],
                    options={
                        'db_table': 'audits_qualitycheck',
                        'ordering': ['status', 'created_at'],
                    },
                ),
                migrations.CreateModel(
                    name='QualityCheckTransition',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('at', models.DateTimeField(auto_now_add=True)),
                        ('from_status', models.CharField(blank=True, max_length=8)),
                        ('to_status', models.CharField(max_length=8)),
                        ('reason', models.TextField(blank=True)),
                        ('actor', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='people.person')),
                        ('quality_check', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='transitions', to='quality.qualitycheck')),
                    ],
                    options={
                        'db_table': 'audits_qualitychecktransition',
                        'ordering': ['quality_check', 'at', 'id'],
                    },
                ),
                migrations.AddIndex(
                    model_name='qualitycheck',
                    index=models.Index(fields=['status', 'created_at'], name='audits_qual_status_539a9d_idx'),
                ),
                migrations.AddIndex(
                    model_name='qualitycheck',
                    index=models.Index(fields=['checked_at'], name='audits_qual_checked_14c0ef_idx'),
                ),
                migrations.AddIndex(
                    model_name='qualitycheck',
                    index=models.Index(fields=['sent_to', 'status'], name='audits_qual_sent_to_b43499_idx'),
                ),
            ],
        ),
        migrations.RunPython(content_types_to_quality, content_types_to_audits),
    ]

"""Quality control moved from the audits app to its own app without losing a row: a
database migrated before the move, holding a check and its history, is migrated forwards
(audits 0008, quality 0001) and the same rows are read through quality's models; and back.

It runs in a child process on a fresh SQLite file: the migration executor cannot run inside
the test's transaction on SQLite, and the test database must not be rewound."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

BEFORE = ("audits", "0007_audit_action_rows_and_short_conversations")
AFTER = ("quality", "0001_initial")

SCRIPT = f"""
import datetime as dt

import django

django.setup()
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

BEFORE, AFTER = {BEFORE!r}, {AFTER!r}
executor = MigrationExecutor(connection)
executor.migrate([BEFORE])
old = executor.loader.project_state([BEFORE]).apps
service = old.get_model("people", "Service").objects.create(name="Early Help",
                                                             kind="early_help")
case = old.get_model("cases", "Case").objects.create(reference="EH-1", service=service)
event = old.get_model("cases", "CaseEvent").objects.create(
    case=case, kind="taf_meeting", occurred_on=dt.date(2026, 3, 2))
tool = old.get_model("standards", "Tool").objects.create(key="qc")
version = old.get_model("standards", "ToolVersion").objects.create(
    tool=tool, number=1, definition={{}}, sha256="0" * 64)
person = old.get_model("people", "Person").objects.create(full_name="A Checker")
check = old.get_model("audits", "QualityCheck").objects.create(
    event=event, tool_version=version, status="failed", to_fix="Sign the consent form",
    sent_to=person)
old.get_model("audits", "QualityCheckTransition").objects.create(
    quality_check=check, actor=person, from_status="waiting", to_status="failed",
    reason="Sign the consent form")
ContentType.objects.get_or_create(app_label="audits", model="qualitycheck")

MigrationExecutor(connection).migrate([AFTER])
from auditloop.quality.models import QualityCheck

moved = QualityCheck.objects.get(pk=check.pk)
assert (moved.status, moved.to_fix, moved.event_id, moved.sent_to_id) == (
    "failed", "Sign the consent form", event.pk, person.pk), moved
assert [(t.from_status, t.to_status, t.actor_id) for t in moved.transitions.all()] == [
    ("waiting", "failed", person.pk)]
assert ContentType.objects.get(model="qualitycheck").app_label == "quality"

MigrationExecutor(connection).migrate([BEFORE])
with connection.cursor() as cursor:
    cursor.execute("SELECT count(*) FROM audits_qualitycheck")
    assert cursor.fetchone() == (1,)
assert ContentType.objects.get(model="qualitycheck").app_label == "audits"
MigrationExecutor(connection).migrate([AFTER])
assert QualityCheck.objects.filter(pk=check.pk).exists()
print("kept")
"""


def test_a_database_migrated_before_the_move_keeps_its_checks(tmp_path: Path) -> None:
    env = {**os.environ, "AUDITLOOP_ENV": "test",
           "DJANGO_SETTINGS_MODULE": "auditloop.settings_test",
           "DATABASE_URL": f"sqlite:///{tmp_path / 'before-the-move.sqlite3'}"}
    done = subprocess.run([sys.executable, "-c", SCRIPT], env=env, capture_output=True,
                          text=True, timeout=600)
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-4000:]
    assert done.stdout.strip().endswith("kept")

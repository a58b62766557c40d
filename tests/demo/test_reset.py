"""`auditloop demo --reset` after a demo with its history: the feature builders' rows that
hang off demo staff (the calibration exercise's participants, an IRO's team link) go
first, so deleting the staff is not blocked by a protected key."""

from __future__ import annotations

import datetime as dt
from io import StringIO

import pytest
from django.core.management import call_command

from auditloop.cases.models import Case
from auditloop.demo.generator import reset_council
from auditloop.demo.structure import DEMO_SOURCE, STAFF_PREFIX
from auditloop.moderation.models import CalibrationExercise, CalibrationParticipant
from auditloop.people.models import Person, User
from auditloop.practice.models import TeamLink

pytestmark = pytest.mark.django_db(transaction=False)
TODAY = dt.date(2026, 3, 31)


def _demo(*extra: str) -> None:
    call_command("demo", "--scale", "small", "--history-months", "2", "--reference-date",
                 TODAY.isoformat(), *extra, stdout=StringIO())


def test_reset_after_a_demo_with_its_history_removes_what_hangs_off_its_staff() -> None:
    _demo()
    demo_staff = Person.objects.filter(staff_number__startswith=STAFF_PREFIX)
    # What used to block the reset is there to be removed.
    assert CalibrationParticipant.objects.filter(person__in=demo_staff).exists()
    assert TeamLink.objects.filter(person__in=demo_staff).exists()
    users = set(User.objects.values_list("pk", flat=True))

    removed = reset_council()

    assert removed["staff"] > 0 and removed["cases"] > 0
    assert not demo_staff.exists()
    assert not Case.objects.filter(source=DEMO_SOURCE).exists()
    assert not CalibrationExercise.objects.exists() and not TeamLink.objects.exists()
    assert set(User.objects.values_list("pk", flat=True)) == users  # sign-ins stay


def test_the_command_resets_and_builds_again() -> None:
    _demo()
    out = StringIO()
    call_command("demo", "--scale", "small", "--history-months", "2", "--reference-date",
                 TODAY.isoformat(), "--reset", stdout=out)
    assert "Removed the demo council" in out.getvalue()
    assert Case.objects.filter(source=DEMO_SOURCE).count() == 300
    assert CalibrationExercise.objects.count() == 1

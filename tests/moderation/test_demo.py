"""The demo council's moderation (demo/moderation.py), on the small demo council with its
audit history: samples for every month, a year of reviews so the agreement figures show, a
blind review waiting for the demo moderator, and a calibration exercise."""

from __future__ import annotations

import datetime as dt
import random

import pytest

from auditloop.moderation import selectors
from auditloop.moderation.models import CalibrationExercise, ModerationReview, ModerationSample

pytestmark = pytest.mark.django_db


def test_the_demo_council_has_a_year_of_moderation():
    history = pytest.importorskip("auditloop.demo.history")  # the lead's audit history
    from auditloop.demo import moderation
    from auditloop.demo.generator import generate_council
    from auditloop.standards.services import preset_apply

    today = dt.date(2026, 11, 20)
    generate_council(scale="small", reference_date=today)
    preset_apply(key="002-six-key-areas")
    history.build_audit_history(rng=random.Random(1), today=today, months=12)
    built = moderation.build(random.Random(2), today)
    assert built.samples == ModerationSample.objects.count() >= 11
    assert built.waiting == moderation.WAITING == 2  # one for each browser walk
    waiting = ModerationReview.objects.filter(moderator__user__username="demo-moderator",
                                              status="blind", assignment__ended_at=None)
    assert waiting.count() == 2
    report = selectors.agreement_report(today=today)
    assert report.reviews >= report.floor
    assert report.overall[0].figures.enough and report.overall[0].figures.quadratic
    exercise = CalibrationExercise.objects.get()
    assert exercise.participants.filter(submitted_at__isnull=False).exists()
    # Again: nothing new.
    again = moderation.build(random.Random(3), today)
    assert again.samples == 0 and CalibrationExercise.objects.count() == 1

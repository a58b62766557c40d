"""The demo council's complaints and compliments: made up, on the register's themes and
teams, some with their outcome, and built once."""

from __future__ import annotations

import datetime as dt
import random

import pytest

from auditloop.cases.models import Theme
from auditloop.demo.voice import build
from auditloop.voice.models import ComplaintCompliment
from tests.factories import CaseFactory


@pytest.mark.django_db
def test_the_demo_logs_complaints_and_compliments_once():
    Theme.objects.create(name="Neglect")
    case = CaseFactory()
    today = dt.date(2026, 12, 7)
    assert build(random.Random(1), today) == 12
    assert build(random.Random(1), today) == 0
    entries = list(ComplaintCompliment.objects.all())
    assert len(entries) == 12
    assert {e.kind for e in entries} == set(ComplaintCompliment.Kind.values)
    assert all(e.theme == "Neglect" and e.received_on < today for e in entries)
    assert any(e.has_outcome for e in entries) and any(not e.has_outcome for e in entries)
    assert [e.case for e in entries if e.case_id] == [case]

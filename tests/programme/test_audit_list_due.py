"""002: "The Quality Assurance Manager will collate an audit list during the last week of each
month" (audit_list_days_before_cycle): once a cycle is that close to starting and its cases
are still being chosen, those who run the cycle are told, once."""

import datetime as dt

import pytest
import time_machine
from django.urls import reverse

from auditloop.notifications.models import Notification
from auditloop.people.roles import Role
from auditloop.programme import services
from auditloop.programme.services.notices import audit_list_reminders
from tests.factories import PersonFactory
from tests.programme.conftest import set_framework

pytestmark = pytest.mark.django_db
D = dt.date


def test_the_qa_manager_is_told_to_collate_the_list_in_the_days_before_the_cycle(framework):
    qa = PersonFactory(roles=[Role.QA_MANAGER])
    june = services.cycle_create(year=2026, number=6, actor=None)  # starts 1 June 2026
    set_framework(audit_list_days_before_cycle=7)
    assert audit_list_reminders(D(2026, 5, 20)) == 0  # 12 days before: not yet
    assert audit_list_reminders(D(2026, 5, 26)) == 1
    [notice] = Notification.objects.filter(recipient=qa)
    assert notice.subject == "Collate the audit list for the June 2026 cycle"
    assert "in the 7 days before a cycle starts" in notice.body
    assert notice.link == reverse("programme:cycle_detail", args=[june.pk]) + "#cases"
    assert audit_list_reminders(D(2026, 5, 27)) == 0  # told once


def test_a_longer_setting_tells_them_earlier_and_none_tells_nobody(framework):
    PersonFactory(roles=[Role.QA_MANAGER])
    services.cycle_create(year=2026, number=6, actor=None)
    set_framework(audit_list_days_before_cycle=None)
    assert audit_list_reminders(D(2026, 5, 20)) == 0
    set_framework(audit_list_days_before_cycle=14)
    assert audit_list_reminders(D(2026, 5, 20)) == 1


def test_the_scheduled_reminders_include_it(framework):
    PersonFactory(roles=[Role.QA_MANAGER])
    services.cycle_create(year=2026, number=6, actor=None)
    set_framework(audit_list_days_before_cycle=7)
    with time_machine.travel(dt.datetime(2026, 5, 26, 9), tick=False):
        services.reminders_due()
    assert Notification.objects.filter(subject__startswith="Collate the audit list").exists()

"""Allocations and notices of selection that go out after the framework's date need a
reason (001: allocations at least two weeks before the QA meeting; 002: at least a week's
notice before the audit period), kept with who sent them and when, and shown on the cycle's
page."""

import datetime as dt

import pytest
import time_machine
from django.urls import reverse

from auditloop.common.errors import DomainError
from auditloop.programme import services
from auditloop.programme.models import CycleNotice
from tests.programme.conftest import set_framework
from tests.programme.test_allocation import confirmed_cycle

pytestmark = pytest.mark.django_db
K = CycleNotice.Kind
ON_TIME = dt.datetime(2026, 5, 20, 9, tzinfo=dt.UTC)  # allocations by 1 June, notice by 25 May
NOTICE_LATE = dt.datetime(2026, 5, 28, 9, tzinfo=dt.UTC)
BOTH_LATE = dt.datetime(2026, 6, 3, 9, tzinfo=dt.UTC)


@pytest.fixture
def cycle(framework, council, auditors, fake_solver):
    set_framework(allocation_unit="singles")
    auditors(2)
    cycle = confirmed_cycle(council["cases"][:2])
    services.allocation_confirm(run=services.allocation_propose(cycle=cycle, actor=None),
                                actor=None)
    cycle.refresh_from_db()
    return cycle


def test_on_time_notices_need_no_reason(cycle, qa_manager_client):
    with time_machine.travel(ON_TIME, tick=False):
        page = qa_manager_client.get(reverse("programme:notices", args=[cycle.pk]))
        assert page.status_code == 200
        assert "Why are these notices late?" not in page.content.decode()
        sent = qa_manager_client.post(reverse("programme:notices", args=[cycle.pk]),
                                      {"kinds": ["allocation", "audit_selected"]})
    assert sent.status_code == 302
    assert [(b.late, b.late_reason) for b in CycleNotice.objects.all()] == [
        (False, ""), (False, "")]


def test_late_notices_without_a_reason_are_refused_naming_the_setting(cycle, qa_manager_client):
    url = reverse("programme:notices", args=[cycle.pk])
    with time_machine.travel(NOTICE_LATE, tick=False):
        page = qa_manager_client.get(url).content.decode()
        assert "Why are these notices late?" in page
        refused = qa_manager_client.post(url, {"kinds": ["audit_selected"]})
    assert refused.status_code == 400
    text = refused.content.decode()
    assert "Days&#39; notice that a case will be audited" in text
    assert "Say why they go out late" in text
    assert not CycleNotice.objects.exists()
    with time_machine.travel(BOTH_LATE, tick=False), pytest.raises(
            DomainError, match="Allocations go out at least this many days before the QA "
                               "meeting") as refused_allocation:
        services.notices_queue(cycle=cycle, kinds=[K.ALLOCATION], actor=None)
    assert refused_allocation.value.field == "late_reason"
    assert "1 June 2026" in refused_allocation.value.message
    assert not CycleNotice.objects.exists()


def test_late_notices_with_a_reason_keep_it_with_who_and_when(cycle, qa_manager_client):
    url = reverse("programme:notices", args=[cycle.pk])
    with time_machine.travel(BOTH_LATE, tick=False):
        sent = qa_manager_client.post(url, {"kinds": ["allocation", "audit_selected"],
                                            "late_reason": "Two auditors were off sick"})
    assert sent.status_code == 302
    batches = list(CycleNotice.objects.order_by("kind"))
    assert [(b.kind, b.late, b.late_reason) for b in batches] == [
        (K.ALLOCATION, True, "Two auditors were off sick"),
        (K.AUDIT_SELECTED, True, "Two auditors were off sick")]
    manager = batches[0].queued_by
    assert manager is not None and batches[0].queued_at == BOTH_LATE
    with time_machine.travel(BOTH_LATE, tick=False):
        page = qa_manager_client.get(reverse("programme:cycle_detail", args=[cycle.pk]))
    assert page.status_code == 200
    text = page.content.decode()
    assert "Sent late" in text and "Why: Two auditors were off sick" in text
    assert f"asked for by {manager.full_name}" in text


def test_the_notices_page_refuses_the_wrong_role_method_and_step(cycle, framework, council,
                                                                role_client):
    url = reverse("programme:notices", args=[cycle.pk])
    practitioner, _ = role_client("practitioner")
    assert practitioner.post(url, {"kinds": ["allocation"], "late_reason": "x"}).status_code == 403
    qa, _ = role_client("qa_manager")
    assert qa.put(url).status_code == 405
    early = confirmed_cycle(council["cases"][2:3], number=7)
    refused = qa.post(reverse("programme:notices", args=[early.pk]),
                      {"kinds": ["allocation"], "late_reason": "Late"})
    assert refused.status_code == 400 and "cannot be sent while the cycle is at" in \
        refused.content.decode()

"""Marking the review done and closing a cycle with audits not submitted yet: the review
asks to confirm how many are still open; the close asks, for each, whether it carries into
the next cycle (taken up there like a planned re-audit) or is withdrawn with a reason, and
never leaves an audit allocated inside a closed cycle."""

import pytest
from django.urls import reverse

from auditloop.audits.models import Audit, AuditAssignment, AuditTransition
from auditloop.common.errors import DomainError
from auditloop.programme import services
from auditloop.programme.models import Cycle, CycleCase
from auditloop.programme.services.allocation import cycle_case_of
from auditloop.programme.services.meeting import CARRY, WITHDRAW, OpenAuditDecision
from auditloop.programme.services.selection import SelectionAsk
from tests.programme.conftest import set_framework, submit
from tests.programme.test_allocation import confirmed_cycle

pytestmark = pytest.mark.django_db
S = Audit.Status
C = Cycle.Status


@pytest.fixture
def month(framework, council, auditors, fake_solver):
    """A June cycle of three audits: one submitted and discussed, two not submitted."""
    set_framework(allocation_unit="singles")
    auditors(3)
    cycle = confirmed_cycle(council["cases"][:3])
    audits = services.allocation_confirm(
        run=services.allocation_propose(cycle=cycle, actor=None), actor=None)
    submit(audits[0])
    (item,) = services.agenda_build(cycle=cycle, actor=None)
    services.minutes_save(item=item, actor=None, impact="Safer", needs_met="Met",
                          strengths="Voice", development="Chronology", discussed=True)
    cycle.refresh_from_db()
    return cycle, audits


def reviewed(cycle):
    services.meeting_close(cycle=cycle, actor=None, open_confirmed=2)
    cycle.refresh_from_db()
    return cycle


# Marking the review done -------------------------------------------------------------------

def test_the_review_says_how_many_audits_are_open_and_asks_to_confirm(month, role_client):
    cycle, _ = month
    client, manager = role_client("qa_manager")
    page = client.get(reverse("programme:meeting", args=[cycle.pk])).content.decode()
    assert "2 audits of this cycle are not submitted yet" in page
    assert 'name="open_count" value="2"' in page
    url = reverse("programme:meeting_close", args=[cycle.pk])
    refused = client.post(url, {"open_count": "2"})
    assert refused.status_code == 400
    assert "Confirm that the review is done with them still open" in refused.content.decode()
    cycle.refresh_from_db()
    assert cycle.status == C.ALLOCATED
    done = client.post(url, {"open_count": "2", "confirm_open": "on"})
    assert done.status_code == 302
    cycle.refresh_from_db()
    assert cycle.status == C.REVIEWED
    event = cycle.events.get(what__startswith="QA meeting held")
    assert (event.actor, "2 audits of this cycle are not submitted yet.") == (
        manager, event.detail)


def test_a_stale_or_second_review_done_is_refused(month, role_client, qa_manager_client):
    cycle, audits = month
    url = reverse("programme:meeting_close", args=[cycle.pk])
    submit(audits[1])  # submitted after the page showed two open
    stale = qa_manager_client.post(url, {"open_count": "2", "confirm_open": "on"})
    assert stale.status_code == 400
    assert "1 audit of this cycle is not submitted yet (you saw 2: it has changed since)" in \
        stale.content.decode()
    assert qa_manager_client.post(url, {"open_count": "1", "confirm_open": "on"}
                                  ).status_code == 302
    again = qa_manager_client.post(url, {"open_count": "1", "confirm_open": "on"})
    assert again.status_code == 400 and "Reload the page" in again.content.decode()
    assert cycle.events.filter(what__startswith="QA meeting held").count() == 1


def test_the_review_done_refuses_other_roles_and_methods(month, role_client):
    cycle, _ = month
    url = reverse("programme:meeting_close", args=[cycle.pk])
    auditor, _ = role_client("auditor")
    assert auditor.post(url, {"open_count": "2", "confirm_open": "on"}).status_code == 403
    manager, _ = role_client("qa_manager")
    assert manager.get(url).status_code == 405
    cycle.refresh_from_db()
    assert cycle.status == C.ALLOCATED


def test_with_every_audit_submitted_the_review_needs_no_confirmation(month):
    cycle, audits = month
    submit(audits[1])
    submit(audits[2])
    services.meeting_close(cycle=cycle, actor=None)
    cycle.refresh_from_db()
    assert cycle.status == C.REVIEWED


# Closing the cycle -----------------------------------------------------------------------

def test_closing_asks_what_happens_to_each_open_audit(month, role_client):
    cycle, audits = month
    reviewed(cycle)
    client, manager = role_client("qa_manager")
    url = reverse("programme:close_cycle", args=[cycle.pk])
    page = client.get(url).content.decode()
    assert "2 audits of this cycle are not submitted yet" in page
    shown = f"{audits[1].pk},{audits[2].pk}"
    assert f'name="shown" value="{shown}"' in page
    # The audits the page names are in the access log, in one insert.
    from auditloop.common.models import AccessLog

    listed = AccessLog.objects.filter(user=manager.user, action="list", path=url)
    assert sorted(listed.values_list("object_type", "object_id")) == sorted(
        [("audit", str(audits[1].pk)), ("audit", str(audits[2].pk))])
    refused = client.post(url, {"shown": shown})
    assert refused.status_code == 400 and "carries into the next cycle or is withdrawn" in \
        refused.content.decode()
    no_reason = client.post(url, {"shown": shown, f"choice-{audits[1].pk}": CARRY,
                                  f"choice-{audits[2].pk}": WITHDRAW})
    assert no_reason.status_code == 400 and "Say why the audit of case" in \
        no_reason.content.decode()
    cycle.refresh_from_db()
    assert cycle.status == C.REVIEWED
    assert Audit.objects.get(pk=audits[1].pk).status == S.ALLOCATED  # nothing half done
    done = client.post(url, {"shown": shown, f"choice-{audits[1].pk}": CARRY,
                             f"choice-{audits[2].pk}": WITHDRAW,
                             f"reason-{audits[2].pk}": "The family moved out of the area"})
    assert done.status_code == 302
    cycle.refresh_from_db()
    assert cycle.status == C.CLOSED
    carried, withdrawn = (Audit.objects.get(pk=a.pk) for a in audits[1:])
    assert (carried.status, carried.due_on, withdrawn.status) == (S.PLANNED, None, S.WITHDRAWN)
    assert not Audit.objects.filter(
        pk__in=CycleCase.objects.filter(cycle=cycle).values("audit_id"),
        status__in=[S.ALLOCATED, S.IN_PROGRESS]).exists()
    assert not AuditAssignment.objects.filter(audit=carried, ended_at__isnull=True).exists()
    # The carried audit leaves the closed cycle: its row records which audit it handed on.
    row = CycleCase.objects.get(cycle=cycle, planned_audit=carried)
    assert row.audit is None
    assert (row.status, row.changed_by) == (CycleCase.Status.CARRIED, manager)
    why = AuditTransition.objects.filter(audit=withdrawn).last()
    assert (why.actor, why.to_status) == (manager, S.WITHDRAWN)
    assert "The family moved out of the area" in why.reason
    assert cycle.events.get(what="Cycle closed").detail == (
        "1 audit carried into the next cycle, 1 withdrawn.")
    # The closed cycle's page still lists the carried case, with who carried it and why.
    text = client.get(reverse("programme:cycle_detail", args=[cycle.pk])).content.decode()
    assert (f"{carried.case.reference}: carried into the next cycle by {manager.full_name}"
            in text)


def test_a_carried_audit_is_taken_up_and_allocated_by_the_next_cycle(month):
    cycle, audits = month
    reviewed(cycle)
    services.cycle_close(cycle=cycle, actor=None, decisions={
        audits[1].pk: OpenAuditDecision(CARRY),
        audits[2].pk: OpenAuditDecision(WITHDRAW, "Case closed before the audit")})
    july = services.cycle_create(year=2026, number=7, actor=None)
    services.selection_propose(cycle=july, ask=SelectionAsk(random_count=0, seed=1),
                               actor=None)
    (row,) = CycleCase.objects.filter(cycle=july)
    assert (row.planned_audit_id, row.source) == (audits[1].pk, CycleCase.Source.PLANNED)
    assert row.reason == "Carried over from the June 2026 cycle: not submitted when it closed"
    services.selection_confirm(cycle=july, actor=None)
    (audit,) = services.allocation_confirm(
        run=services.allocation_propose(cycle=july, actor=None), actor=None)
    assert audit.pk == audits[1].pk
    audit.refresh_from_db()
    july.refresh_from_db()
    assert (audit.status, audit.due_on) == (S.ALLOCATED, july.audits_due_on)
    # From now on the audit belongs to July (re-allocation, reminders, moderation).
    assert cycle_case_of(audit).cycle == july
    assert list(CycleCase.objects.filter(audit=audit).values_list("cycle", flat=True)) == [
        july.pk]
    assert AuditAssignment.objects.filter(audit=audit, ended_at__isnull=True).exists()


def test_a_stale_close_page_is_refused_and_shown_again(month, qa_manager_client):
    cycle, audits = month
    reviewed(cycle)
    url = reverse("programme:close_cycle", args=[cycle.pk])
    shown = f"{audits[1].pk},{audits[2].pk}"
    submit(audits[2])  # submitted while the page was open
    stale = qa_manager_client.post(url, {
        "shown": shown, f"choice-{audits[1].pk}": CARRY, f"choice-{audits[2].pk}": CARRY})
    assert stale.status_code == 400
    text = stale.content.decode()
    assert "have changed since the page was opened" in text
    assert f'name="shown" value="{audits[1].pk}"' in text
    cycle.refresh_from_db()
    assert cycle.status == C.REVIEWED
    assert Audit.objects.get(pk=audits[1].pk).status == S.ALLOCATED
    with pytest.raises(DomainError, match="Say for each whether it carries"):
        services.cycle_close(cycle=cycle, actor=None)


def test_a_second_close_is_refused(month, qa_manager_client):
    cycle, audits = month
    reviewed(cycle)
    url = reverse("programme:close_cycle", args=[cycle.pk])
    form = {"shown": f"{audits[1].pk},{audits[2].pk}", f"choice-{audits[1].pk}": CARRY,
            f"choice-{audits[2].pk}": CARRY}
    assert qa_manager_client.post(url, form).status_code == 302
    again = qa_manager_client.post(url, form)
    assert again.status_code == 400 and "The cycle is closed already" in again.content.decode()
    assert AuditTransition.objects.filter(audit=audits[1], to_status=S.PLANNED).count() == 1


def test_the_close_page_refuses_other_roles_methods_and_steps(month, role_client):
    cycle, _ = month
    url = reverse("programme:close_cycle", args=[cycle.pk])
    auditor, _ = role_client("auditor")
    assert auditor.get(url).status_code == 403
    manager, _ = role_client("qa_manager")
    assert manager.put(url).status_code == 405
    early = manager.get(url)  # the review is not done yet
    assert early.status_code == 400 and "Finish the review" in early.content.decode()

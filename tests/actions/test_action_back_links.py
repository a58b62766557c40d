"""Every action page leads back to where the action came from, in words that name it
("Back to the audit of C555001"), and only to pages its reader may open: the audit, its
feedback where the audit's actions are listed, the case, or the action plan."""

from __future__ import annotations

import datetime as dt
import html

import pytest
import time_machine
from django.urls import reverse

from auditloop.actions.services import action_create
from auditloop.audits import voices
from auditloop.people.roles import Role
from auditloop.standards.services import preset_apply
from tests.factories import (
    CaseFactory,
    PersonFactory,
    finish_audit,
    make_audit,
    make_immediate_concern,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():  # type: ignore[no-untyped-def]
    with time_machine.travel(dt.datetime(2026, 6, 3, 9, tzinfo=dt.UTC), tick=False):
        preset_apply(key="002-six-key-areas")  # the practice reads the audit on submit
        tm = PersonFactory(roles=[Role.TEAM_MANAGER])
        kw = PersonFactory(roles=[Role.PRACTITIONER], line_manager=tm)
        case = CaseFactory(key_worker=kw, team_manager=tm, reference="C555001")
        audit = make_audit(case=case)
        finish_audit(audit, to="feedback_sent")
        action = voices.reply_action_propose(audit=audit, actor=kw, proposal=voices.ProposedAction(
            issue="No chronology", action="Bring the chronology up to date", by_whom="Key worker",
            due_on=dt.date(2026, 7, 1), desired_outcome="A full chronology",
            success_measure="Seen on file"))
        yield case, audit, action, kw, tm


def shown(client, action) -> str:  # type: ignore[no-untyped-def]
    response = client.get(reverse("actions:action_detail", args=[action.pk]))
    assert response.status_code == 200
    return html.unescape(response.content.decode())


def test_an_audit_action_leads_back_to_its_audit_its_feedback_and_its_case(world, client_for):
    case, audit, action, kw, tm = world
    for person in (kw, tm):
        client = client_for(person)
        page = shown(client, action)
        audit_url = reverse("audits:audit_detail", args=[audit.pk])
        assert (f'<a href="{audit_url}" class="govuk-back-link">Back to the audit of '
                f'C555001</a>') in page
        feedback = reverse("audits:feedback", args=[audit.pk]) + "#actions"
        assert f'href="{feedback}"' in page
        case_url = reverse("cases:case_detail", args=[case.pk])
        assert f'About <a class="govuk-link" href="{case_url}">case C555001</a>' in page
        # Every link works for this reader.
        for url in (audit_url, feedback.split("#")[0], case_url):
            assert client.get(url).status_code == 200, url


def test_no_link_to_an_audit_its_reader_may_not_open_yet(client_for):
    # An immediate concern's action is agreed while the audit is still being done: the team
    # manager who owns it does not read the audit until it is submitted.
    tm = PersonFactory(roles=[Role.TEAM_MANAGER])
    case = CaseFactory(key_worker=PersonFactory(line_manager=tm), team_manager=tm,
                       reference="C777001")
    concern = make_immediate_concern(audit=make_audit(case=case))
    action = concern.action_links.get().action
    reader = action.owner
    client = client_for(reader)
    page = shown(client, action)
    audit_url = reverse("audits:audit_detail", args=[concern.audit_id])
    assert client.get(audit_url).status_code == 404
    assert audit_url not in page and "the audit of" not in page
    assert (f'<a href="{reverse("actions:my_actions")}" class="govuk-back-link">Back to your '
            f'actions</a>') in page


def test_an_action_of_no_audit_goes_back_to_your_actions(client_for):
    owner = PersonFactory()
    action = action_create(issue="Issue", action="Do it", by_whom="Me", owner=owner,
                           due_on=dt.date(2026, 7, 1), desired_outcome="Done",
                           success_measure="Seen", sign_off_role=Role.TEAM_MANAGER)
    page = shown(client_for(owner), action)
    assert 'class="govuk-back-link">Back to your actions</a>' in page
    assert 'id="action-origins"' not in page


def test_the_propose_action_page_names_the_feedback_it_goes_back_to(world, client_for):
    case, audit, _action, kw, _tm = world
    response = client_for(kw).get(reverse("audits:reply_action_new", args=[audit.pk]))
    page = html.unescape(response.content.decode())
    assert "Back to the feedback on the audit of C555001</a>" in page
    assert f'href="{reverse("cases:case_detail", args=[case.pk])}"' in page
    feedback = html.unescape(client_for(kw).get(
        reverse("audits:feedback", args=[audit.pk])).content.decode())
    assert "Back to the audit of C555001</a>" in feedback

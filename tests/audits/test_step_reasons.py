"""When a step after an audit is not open to someone yet, the page says why, where the
button would be ("Confirm the actions once the disagreement is settled"): sending the
feedback, replying, proposing actions, confirming them, sending an action for sign-off and
signing it off. One function per step decides; the service refuses with the same words."""

from __future__ import annotations

import datetime as dt
import html

import pytest
import time_machine
from django.urls import reverse

from auditloop.actions import steps
from auditloop.actions.services import action_submit_for_sign_off
from auditloop.audits import services, voices
from auditloop.audits.models import Audit
from auditloop.common.errors import WorkflowError
from tests.audits.test_feedback import world
from tests.factories import finish_audit

pytestmark = pytest.mark.django_db
S = Audit.Status
NOW = dt.datetime(2026, 6, 3, 9, 0, tzinfo=dt.UTC)


@pytest.fixture
def frozen():  # type: ignore[no-untyped-def]
    with time_machine.travel(NOW, tick=False):
        yield


def feedback(client, audit) -> str:  # type: ignore[no-untyped-def]
    response = client.get(reverse("audits:feedback", args=[audit.pk]))
    assert response.status_code == 200
    return html.unescape(response.content.decode())


def propose(w):  # type: ignore[no-untyped-def]
    return voices.reply_action_propose(audit=w.audit, actor=w.kw, proposal=voices.ProposedAction(
        issue="No chronology", action="Bring the chronology up to date", by_whom="Key worker",
        due_on=dt.date(2026, 7, 1), desired_outcome="A full chronology",
        success_measure="Seen on file"))


def test_confirming_waits_for_the_disagreement_and_says_so(frozen, client_for):
    w = world("001-early-help-domains")
    finish_audit(w.audit, to=S.FEEDBACK_SENT)
    propose(w)
    page = feedback(client_for(w.tm), w.audit)
    assert "Confirm the actions are agreed" in page and "once the disagreement" not in page
    voices.reply_create(audit=w.audit, actor=w.kw, comments="Not fair", agrees=False)
    page = feedback(client_for(w.tm), w.audit)
    assert "Confirm the actions are agreed" not in page
    assert ('<div class="govuk-inset-text" id="confirm-step">Confirm the actions once the '
            'disagreement is settled.</div>') in page
    # The service refuses in the same words: the rule is the step's.
    with pytest.raises(WorkflowError, match="^Confirm the actions once the disagreement is "
                                            "settled.$"):
        voices.actions_agree(audit=w.audit, actor=w.tm)
    # The practitioner, who does not confirm, is not told about a step that is not theirs.
    assert 'id="confirm-step"' not in feedback(client_for(w.kw), w.audit)


def test_each_step_says_why_before_the_feedback_is_sent(frozen, client_for):
    w = world("001-early-help-domains")  # 001: feedback goes out after the QA meeting
    finish_audit(w.audit)
    qa = feedback(client_for(w.qa), w.audit)
    assert "Send the feedback once the audit has been discussed at the QA meeting." in qa
    assert "Send feedback to the practitioner and team manager" not in qa
    assert voices.confirm_step(w.audit, w.tm).reason == (
        "Confirm the actions once the QA team has sent the audit's feedback.")
    assert voices.confirm_step(w.audit, w.kw) == steps.NOT_THEIRS
    services.transition(audit=w.audit, actor=None, to=S.DISCUSSED)
    assert voices.send_step(w.audit, w.qa).available
    sent = voices.feedback_send(audit=w.audit, actor=w.qa)
    assert voices.send_step(sent, w.qa).reason == "Done: the feedback was sent on 3 June 2026."


def test_once_the_actions_are_agreed_proposing_and_confirming_say_so(frozen, client_for):
    w = world("002-six-key-areas")
    finish_audit(w.audit, to=S.FEEDBACK_SENT)
    propose(w)
    voices.actions_agree(audit=w.audit, actor=w.tm)
    kw = feedback(client_for(w.kw), w.audit)
    assert "Propose a SMART action" not in kw
    assert "The actions for this audit are already agreed on 3 June 2026: no more are added " \
           "here." in kw
    tm = feedback(client_for(w.tm), w.audit)
    assert "Done: the actions were agreed on 3 June 2026." in tm


def test_a_closed_audit_takes_no_more_replies_and_says_so(frozen, client_for):
    w = world("002-six-key-areas")
    finish_audit(w.audit, to=S.CLOSED)
    page = feedback(client_for(w.kw), w.audit)
    assert "Send your reply" not in page
    assert "This audit is closed: it takes no more replies." in page
    assert "This audit is closed: no more actions are added to it." in page


def test_signing_off_waits_for_the_owner_and_says_so(frozen, client_for):
    w = world("002-six-key-areas")
    finish_audit(w.audit, to=S.FEEDBACK_SENT)
    action = propose(w)
    url = reverse("actions:action_detail", args=[action.pk])
    tm_page = html.unescape(client_for(w.tm).get(url).content.decode())
    assert "Save decision" not in tm_page
    assert ("Sign it off once its owner sends it for sign-off with the evidence that it is "
            "done.") in tm_page
    action_submit_for_sign_off(action=action, actor=w.kw, evidence="Chronology on file")
    kw_page = html.unescape(client_for(w.kw).get(url).content.decode())
    assert (f"Sent for sign-off on 3 June 2026: waiting for {w.tm.full_name} to sign it off."
            in kw_page)
    assert 'action="' + reverse("actions:action_submit", args=[action.pk]) not in kw_page
    assert "Save decision" in html.unescape(client_for(w.tm).get(url).content.decode())

"""The home page's audit panels read only the audits a step they name can wait on: the same
lines as working out every audit's steps, without loading the audits long done."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.urls import reverse

from auditloop.actions.services import action_sign_off, action_submit_for_sign_off
from auditloop.audits import attention, my_audits, voices
from auditloop.audits.models import Audit
from tests.audits import test_my_audits
from tests.factories import CaseFactory, finish_audit, make_audit

pytestmark = pytest.mark.django_db
S = Audit.Status
# The practitioner, team and audit of "Audits of my cases": its fixture and its clock.
w = test_my_audits.w
NOW = test_my_audits.NOW


def home_lines(person, team: bool, narrowed: bool) -> list[tuple[str, str, int | None]]:  # type: ignore[no-untyped-def]
    """The panel's lines, from every audit's steps or from the narrowed audits."""
    only = my_audits.home_steps_q() if narrowed else None
    rows = (my_audits.audits_of_my_team(person.user, only) if team
            else my_audits.audits_of_my_cases(person.user, only))
    items = attention._home_items(rows, lead="Audit of", more_href="/more#waiting",
                                  more_text="All {n}", all_text="All")
    return [(i.text, i.href, i.count) for i in items]


def assert_same_lines(w) -> None:  # type: ignore[no-untyped-def]
    for person, team in ((w.kw, False), (w.tm, True), (w.sm, True)):
        assert home_lines(person, team, narrowed=True) == \
            home_lines(person, team, narrowed=False), (person, team)


def test_the_narrowed_panels_say_the_same_at_every_step_of_an_audit(w):  # type: ignore[no-untyped-def]
    assert_same_lines(w)  # allocated: nothing waits
    finish_audit(w.audit, to=S.SUBMITTED, actor=w.qa)
    assert_same_lines(w)
    Audit.objects.filter(pk=w.audit.pk).update(status=S.DISCUSSED)
    assert_same_lines(w)
    Audit.objects.filter(pk=w.audit.pk).update(status=S.SUBMITTED)
    from auditloop.audits import services

    services.transition(audit=w.audit, actor=w.qa, to=S.FEEDBACK_SENT)
    assert home_lines(w.kw, False, narrowed=True)  # the reply waits
    assert_same_lines(w)
    voices.reply_create(audit=w.audit, actor=w.kw, comments="Noted", agrees=True)
    assert_same_lines(w)
    voices.reply_action_propose(audit=w.audit, actor=w.kw, proposal=voices.ProposedAction(
        issue="Chronology out of date", action="Update the chronology",
        by_whom="Key worker", due_on=dt.date(2026, 7, 1),
        desired_outcome="A chronology that tells the story",
        success_measure="Checked in supervision"))
    assert_same_lines(w)
    voices.actions_agree(audit=w.audit, actor=w.tm)
    assert_same_lines(w)
    action = w.audit.action_links.get().action
    action_submit_for_sign_off(action=action, actor=w.kw, evidence="Chronology updated")
    assert home_lines(w.tm, True, narrowed=True)  # the sign-off waits
    assert_same_lines(w)
    action_sign_off(action=action, actor=w.tm)
    assert_same_lines(w)
    services.transition(audit=w.audit, actor=w.qa, to=S.CLOSED)
    assert_same_lines(w)


def test_the_home_page_works_out_steps_only_for_audits_that_can_wait(  # type: ignore[no-untyped-def]
        w, client_for, monkeypatch):
    """Audits long closed are not loaded to find that nothing waits on them: however many
    the team has, the home page works out the steps of the one whose feedback is out."""
    with time_machine.travel(NOW, tick=False):
        for n in range(3):
            case = CaseFactory(key_worker=w.kw, team_manager=w.tm, reference=f"NM9{n}")
            finish_audit(make_audit(case=case, auditors=[w.auditor]), to=S.CLOSED,
                         actor=w.qa)
        finish_audit(w.audit, to=S.FEEDBACK_SENT, actor=w.qa)
    worked_out: list[int] = []
    steps_for = my_audits.steps_for

    def counting(audit, person, *, days):  # type: ignore[no-untyped-def]
        worked_out.append(audit.pk)
        return steps_for(audit, person, days=days)

    monkeypatch.setattr(my_audits, "steps_for", counting)
    home = client_for(w.tm).get("/").content.decode()
    assert "Your team&#39;s audit of NM123: confirm the actions" in home
    assert worked_out == [w.audit.pk]
    # The team's audits page still lists every one.
    worked_out.clear()
    assert client_for(w.tm).get(reverse("audits:team_audits")).status_code == 200
    assert len(worked_out) == 4

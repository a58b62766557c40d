"""Practice alerts: raised by the case's IRO or CP Chair, answered by its team manager,
resolved by the raiser, escalated once per step when not answered in time, and seen only
by those who may see the case."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from auditloop.common.errors import DomainError
from auditloop.common.models import AccessLog
from auditloop.notifications.done import done_sentences
from auditloop.notifications.models import Notification
from auditloop.people.roles import Role
from auditloop.practice import services
from auditloop.practice.models import PracticeAlert, PracticeAlertEscalation, TeamLink
from tests.factories import CaseFactory, PersonFactory, TeamFactory
from tests.practice.factories import chaired_case, make_alert

pytestmark = pytest.mark.django_db
S = PracticeAlert.Status


def _post_alert(client, case, **extra):  # type: ignore[no-untyped-def]
    data = {"case": case.pk, "seen": "No visit for eight weeks.", "theme": "drift",
            "severity": "urgent", "response_wanted": "Visit this week.",
            "respond_by": (timezone.localdate() + dt.timedelta(days=5)).isoformat()}
    data.update(extra)
    return client.post(reverse("practice:alert_new"), data)


def test_iro_raises_an_alert_on_a_case_they_chair_and_it_reaches_the_team_manager(
        client_for):  # type: ignore[no-untyped-def]
    w = chaired_case()
    client = client_for(w["iro"])
    page = client.get(reverse("practice:alert_new"))
    assert w["case"].reference in page.content.decode()
    response = _post_alert(client, w["case"])
    assert response.status_code == 302
    alert = PracticeAlert.objects.get()
    assert (alert.team_manager, alert.status, alert.raised_by) == (w["tm"], S.RAISED, w["iro"])
    notice = Notification.objects.get(recipient=w["tm"])
    assert notice.is_urgent and notice.kind == services.ANSWER_ALERT
    assert "No visit" not in notice.subject + notice.body  # what was seen stays on the page


def test_an_iro_cannot_raise_an_alert_on_a_case_they_do_not_chair(client_for):  # type: ignore[no-untyped-def]
    iro = PersonFactory(roles=[Role.IRO])
    other = CaseFactory()
    response = _post_alert(client_for(iro), other)
    assert response.status_code == 400
    assert not PracticeAlert.objects.exists()
    with pytest.raises(DomainError):
        make_alert({**chaired_case(), "iro": iro})


def test_the_team_manager_answers_with_an_action_and_the_raiser_resolves(client_for):  # type: ignore[no-untyped-def]
    w = chaired_case()
    alert = make_alert(w)
    tm_client = client_for(w["tm"])
    page = tm_client.get(reverse("practice:alert_detail", args=[alert.pk]))
    assert "Answer the alert" in page.content.decode()
    assert AccessLog.objects.filter(object_type="practice_alert", object_id=str(alert.pk),
                                    user=w["tm"].user).exists()
    # The IRO may not answer; the team manager may not resolve.
    assert client_for(w["iro"]).post(reverse("practice:alert_answer", args=[alert.pk]),
                                     {"response": "x"}).status_code == 403
    due = (timezone.localdate() + dt.timedelta(days=10)).isoformat()
    missing = tm_client.post(reverse("practice:alert_answer", args=[alert.pk]),
                             {"response": "Visit booked.", "action": "Review the plan"})
    assert missing.status_code == 400
    assert "Enter the date the action must be done by." in missing.content.decode()
    ok = tm_client.post(reverse("practice:alert_answer", args=[alert.pk]), {
        "response": "Visit booked.", "action": "Review the plan", "action_due_on": due,
        "desired_outcome": "A current plan", "success_measure": "Reviewed at core group"})
    assert ok.status_code == 302
    alert.refresh_from_db()
    assert alert.status == S.ANSWERED and alert.action is not None
    assert alert.action.owner == w["tm"]
    notice = Notification.objects.get(recipient=w["tm"], kind=services.ANSWER_ALERT)
    assert done_sentences([notice])[notice.pk].startswith("Done: answered on ")
    assert Notification.objects.filter(recipient=w["iro"]).exists()
    assert tm_client.post(reverse("practice:alert_resolve", args=[alert.pk])).status_code == 403
    assert client_for(w["iro"]).post(reverse("practice:alert_resolve", args=[alert.pk]),
                                     {"resolution": "Plan reviewed."}).status_code == 302
    alert.refresh_from_db()
    assert alert.status == S.RESOLVED
    assert [c.to_status for c in alert.status_history()] == [S.ANSWERED, S.RESOLVED]


def test_escalation_takes_each_step_once_in_the_line_above_the_team_manager():
    w = chaired_case()
    alert = make_alert(w, days=0)
    due = alert.respond_by
    assert services.practice_alerts_escalate(today=due) == []
    first = services.practice_alerts_escalate(today=due + dt.timedelta(days=1))
    assert [(e.step, e.told) for e in first] == [(1, w["sm"])]
    # Every day after, nobody is told again until the next step is due.
    for n in range(2, 8):
        assert services.practice_alerts_escalate(today=due + dt.timedelta(days=n)) == []
    second = services.practice_alerts_escalate(today=due + dt.timedelta(days=8))
    assert [(e.step, e.told) for e in second] == [(2, w["head"])]
    assert services.practice_alerts_escalate(today=due + dt.timedelta(days=30)) == []
    assert PracticeAlertEscalation.objects.count() == 2
    assert Notification.objects.filter(recipient=w["sm"]).count() == 1
    assert Notification.objects.filter(recipient=w["head"]).count() == 1


def test_an_answered_alert_is_not_escalated_and_the_command_runs():  # type: ignore[no-untyped-def]
    w = chaired_case()
    alert = make_alert(w, days=0)
    services.practice_alert_answer(alert=alert, actor=w["tm"], response="Done.")
    call_command("escalate_practice_alerts",
                 date=alert.respond_by + dt.timedelta(days=20))
    assert not PracticeAlertEscalation.objects.exists()


def test_home_page_panel_for_the_team_manager(client_for):  # type: ignore[no-untyped-def]
    w = chaired_case()
    make_alert(w, severity=PracticeAlert.Severity.URGENT)
    page = client_for(w["tm"]).get(reverse("home")).content.decode()
    assert "Practice alerts to answer" in page
    assert f"Answer the practice alert on {w['case'].reference}" in page
    other = client_for(PersonFactory(roles=[Role.TEAM_MANAGER])).get(reverse("home"))
    assert "Practice alerts to answer" not in other.content.decode()


def test_list_shows_only_alerts_on_cases_the_user_sees_with_filters(client_for):  # type: ignore[no-untyped-def]
    w = chaired_case()
    mine = make_alert(w)
    theirs = make_alert()
    page = client_for(w["tm"]).get(reverse("practice:alert_list")).content.decode()
    assert mine.case.reference in page and theirs.case.reference not in page
    qa = client_for(PersonFactory(roles=[Role.QA_MANAGER]))
    both = qa.get(reverse("practice:alert_list")).content.decode()
    assert mine.case.reference in both and theirs.case.reference in both
    by_team = qa.get(reverse("practice:alert_list"), {"team": mine.team_id}).content.decode()
    assert mine.case.reference in by_team and theirs.case.reference not in by_team
    answered = qa.get(reverse("practice:alert_list"), {"status": "answered"}).content.decode()
    assert mine.case.reference not in answered
    month = timezone.localdate().strftime("%Y-%m")
    this_month = qa.get(reverse("practice:alert_list"), {"month": month}).content.decode()
    assert mine.case.reference in this_month
    assert client_for(w["tm"]).get(
        reverse("practice:alert_detail", args=[theirs.pk])).status_code == 404


def test_list_query_count_does_not_grow_with_alerts(client_for, django_assert_max_num_queries):  # type: ignore[no-untyped-def]
    qa = client_for(PersonFactory(roles=[Role.QA_MANAGER]))
    for _ in range(3):
        make_alert()
    qa.get(reverse("practice:alert_list"))
    for _ in range(5):
        make_alert()
    # Eleven, measured: session and user, the person and roles, the alerts (one join), the
    # teams, the access-log insert, the page frame's reads: the same for 3 alerts or 300.
    with django_assert_max_num_queries(11):
        response = qa.get(reverse("practice:alert_list"))
    assert response.content.decode().count("practice alert raised") == 8


def test_monthly_report_counts_by_theme_and_status(client_for):  # type: ignore[no-untyped-def]
    w = chaired_case()
    make_alert(w)
    make_alert(w, theme=PracticeAlert.Theme.DRIFT)
    answered = make_alert(w, theme=PracticeAlert.Theme.DRIFT)
    services.practice_alert_answer(alert=answered, actor=w["tm"], response="Done.")
    page = client_for(w["iro"]).get(reverse("practice:monthly_report")).content.decode()
    assert "3 practice alerts raised" in page
    cell = '</th><td class="govuk-table__cell govuk-table__cell--numeric">'
    assert f"Drift and delay{cell}2" in page and f"Answered{cell}1" in page
    assert w["iro"].full_name in page and "No team link" in page


def test_the_qa_manager_sets_an_iros_team_link_and_the_report_shows_it(client_for):  # type: ignore[no-untyped-def]
    w = chaired_case()
    make_alert(w)
    qa = PersonFactory(roles=[Role.QA_MANAGER])
    client = client_for(qa)
    url = reverse("practice:team_links")
    assert w["iro"].full_name in client.get(url).content.decode()
    first, second = TeamFactory(name="Assessment team 1"), TeamFactory(name="Cared for team")
    assert client.post(url, {"person": w["iro"].pk, "team": first.pk}).status_code == 302
    assert client.post(url, {"person": w["iro"].pk, "team": second.pk}).status_code == 302
    links = list(TeamLink.objects.filter(person=w["iro"]).order_by("pk"))
    assert [(link.team, link.ended_on is None) for link in links] == [(first, False),
                                                                      (second, True)]
    assert links[1].assigned_by == qa
    # Only IROs and CP Chairs have a team link.
    refused = client.post(url, {"person": w["tm"].pk, "team": first.pk})
    assert refused.status_code == 400
    page = client_for(w["iro"]).get(reverse("practice:monthly_report")).content.decode()
    assert "Cared for team" in page and "Assessment team 1" not in page


def test_those_an_alert_is_escalated_to_can_open_it_and_a_stranger_cannot(client_for):  # type: ignore[no-untyped-def]
    w = chaired_case()
    alert = make_alert(w, days=0)
    services.practice_alerts_escalate(today=alert.respond_by + dt.timedelta(days=8))
    url = reverse("practice:alert_detail", args=[alert.pk])
    for person in (w["sm"], w["head"]):
        notice = Notification.objects.get(recipient=person)
        assert notice.link == url
        page = client_for(person).get(url)
        assert page.status_code == 200
        assert "Escalated" in page.content.decode()
        assert "Answer the alert" not in page.content.decode()  # the team manager answers
    for role in (Role.IRO, Role.TEAM_MANAGER, Role.SERVICE_MANAGER, Role.PRACTITIONER):
        assert client_for(PersonFactory(roles=[role])).get(url).status_code == 404


def test_a_case_with_no_team_manager_records_the_step_as_telling_nobody():
    w = chaired_case()
    w["case"].team_manager = None
    w["case"].save(update_fields=["team_manager"])
    alert = make_alert(w, days=0)
    assert not Notification.objects.exists()
    rows = services.practice_alerts_escalate(today=alert.respond_by + dt.timedelta(days=1))
    assert [(r.step, r.told) for r in rows] == [(1, None)]
    assert services.practice_alerts_escalate(today=alert.respond_by + dt.timedelta(days=2)) == []


def test_the_raiser_sees_answered_alerts_to_resolve_on_their_home_page(client_for):  # type: ignore[no-untyped-def]
    w = chaired_case()
    alert = make_alert(w)
    home = reverse("home")
    assert "Practice alerts answered" not in client_for(w["iro"]).get(home).content.decode()
    services.practice_alert_answer(alert=alert, actor=w["tm"], response="Visit booked.")
    page = client_for(w["iro"]).get(home).content.decode()
    assert f"Read the answer to your practice alert on {w['case'].reference}" in page
    services.practice_alert_resolve(alert=alert, actor=w["iro"])
    assert "Practice alerts answered" not in client_for(w["iro"]).get(home).content.decode()

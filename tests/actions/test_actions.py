"""SMART actions: RAG progress, green only by sign-off with evidence, history, access."""

import datetime as dt

import pytest
import time_machine
from django.urls import reverse

from auditloop.actions import selectors, services
from auditloop.actions.models import Action, ActionEvent
from auditloop.common.errors import DomainError, WorkflowError
from auditloop.people.roles import Role
from tests.factories import PersonFactory, make_action

pytestmark = pytest.mark.django_db


def test_every_smart_part_is_required():
    with pytest.raises(DomainError) as err:
        make_action(success_measure="  ")
    assert err.value.field == "success_measure"


def test_progress_cannot_jump_to_green():
    owner = PersonFactory()
    action = make_action(owner=owner)
    with pytest.raises(WorkflowError, match="signed off"):
        services.action_set_progress(action=action, actor=owner, status="green")
    services.action_set_progress(action=action, actor=owner, status="amber", note="Booked")
    action.refresh_from_db()
    assert action.status == Action.Status.AMBER


def test_only_the_owner_updates_progress():
    action = make_action()
    with pytest.raises(DomainError, match="owner"):
        services.action_set_progress(action=action, actor=PersonFactory(), status="amber")


def test_green_counts_only_after_sign_off_by_the_named_role_with_evidence():
    owner = PersonFactory()
    tm = PersonFactory(roles=[Role.TEAM_MANAGER])
    action = make_action(owner=owner, sign_off_role=Role.TEAM_MANAGER)
    with pytest.raises(WorkflowError, match="not sent"):
        services.action_sign_off(action=action, actor=tm)
    with pytest.raises(DomainError, match="evidence"):
        services.action_submit_for_sign_off(action=action, actor=owner, evidence=" ")
    services.action_submit_for_sign_off(action=action, actor=owner, evidence="TAF held 3 June")
    with pytest.raises(DomainError, match="cannot sign off"):
        services.action_sign_off(action=action, actor=PersonFactory(roles=[Role.PRACTITIONER]))
    services.action_sign_off(action=action, actor=tm)
    action.refresh_from_db()
    assert action.status == Action.Status.GREEN and action.signed_off_by == tm
    kinds = list(action.events.values_list("kind", flat=True))
    assert kinds == ["created", "submitted", "signed_off"]


def test_a_named_sign_off_person_is_the_only_one_who_can_sign():
    owner, named, other_tm = PersonFactory(), PersonFactory(), PersonFactory(
        roles=[Role.TEAM_MANAGER])
    action = make_action(owner=owner, sign_off_person=named)
    services.action_submit_for_sign_off(action=action, actor=owner, evidence="Done")
    with pytest.raises(DomainError):
        services.action_sign_off(action=action, actor=other_tm)
    services.action_sign_off(action=action, actor=named)


def test_refused_sign_off_goes_back_to_the_owner_with_the_reason():
    owner, tm = PersonFactory(), PersonFactory(roles=[Role.TEAM_MANAGER])
    action = make_action(owner=owner)
    services.action_submit_for_sign_off(action=action, actor=owner, evidence="Done")
    services.action_refuse_sign_off(action=action, actor=tm, reason="No review note yet")
    action.refresh_from_db()
    assert not action.awaiting_sign_off and action.status == Action.Status.AMBER
    assert action.events.last().note == "No review note yet"


def test_reassigning_keeps_the_old_owner_row():
    first, second, boss = PersonFactory(), PersonFactory(), PersonFactory()
    action = make_action(owner=first)
    services.action_assign(action=action, owner=second, actor=boss)
    rows = list(action.owner_rows.order_by("id"))
    assert [r.person for r in rows] == [first, second]
    assert rows[0].ended_at is not None and rows[1].ended_at is None
    assert Action.objects.get(pk=action.pk).owner == second


@time_machine.travel(dt.datetime(2026, 7, 10, 12, tzinfo=dt.UTC), tick=False)
def test_overdue_means_past_due_and_not_green():
    owner = PersonFactory()
    late = make_action(owner=owner, due_on=dt.date(2026, 7, 1))
    make_action(owner=owner, due_on=dt.date(2026, 8, 1))
    assert list(selectors.overdue(selectors.actions_owned_by(owner))) == [late]


def test_owner_works_the_action_in_the_browser(client_for):
    owner = PersonFactory(roles=[Role.PRACTITIONER])
    tm = PersonFactory(roles=[Role.TEAM_MANAGER])
    action = make_action(owner=owner)
    c = client_for(owner)
    assert "Hold a TAF review" in c.get(reverse("actions:my_actions")).content.decode()
    r = c.post(reverse("actions:action_progress", args=[action.pk]), {"status": "amber"})
    assert r.status_code == 302
    r = c.post(reverse("actions:action_submit", args=[action.pk]), {"evidence": ""})
    assert r.status_code == 400 and "Error:" in r.content.decode()
    r = c.post(reverse("actions:action_submit", args=[action.pk]), {"evidence": "Note of 3 June"})
    assert r.status_code == 302
    tm_client = client_for(tm)
    assert "to sign off" in tm_client.get(reverse("home")).content.decode()
    r = tm_client.post(reverse("actions:action_sign_off", args=[action.pk]),
                       {"decision": "sign_off", "note": ""})
    assert r.status_code == 302
    assert Action.objects.get(pk=action.pk).status == "green"
    r = tm_client.post(reverse("actions:action_comment", args=[action.pk]), {"text": "Well done"})
    assert ActionEvent.objects.filter(kind="comment", note="Well done").exists()


def test_strangers_cannot_see_an_action_and_wrong_methods_are_refused(client_for):
    action = make_action()
    stranger = client_for(PersonFactory(roles=[Role.PRACTITIONER]))
    assert stranger.get(reverse("actions:action_detail", args=[action.pk])).status_code == 404
    assert stranger.post(reverse("actions:action_progress", args=[action.pk]),
                         {"status": "amber"}).status_code == 404
    owner_client = client_for(action.owner)
    assert owner_client.get(reverse("actions:action_progress", args=[action.pk])
                            ).status_code == 405
    manager = PersonFactory()
    owner = action.owner
    owner.line_manager = manager
    owner.save()
    assert client_for(manager).get(reverse("actions:action_detail", args=[action.pk])
                                   ).status_code == 200


@pytest.mark.parametrize("n", [2, 25])
def test_my_actions_query_count_is_pinned(n, client_for, django_assert_max_num_queries):
    owner = PersonFactory(roles=[Role.TEAM_MANAGER])
    for _ in range(n):
        make_action(owner=owner)
    c = client_for(owner)
    with django_assert_max_num_queries(12):
        response = c.get(reverse("actions:my_actions"))
    assert response.content.decode().count("Hold a TAF review") == n

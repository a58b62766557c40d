"""Action plans (004 6.1): a strategic lead's plan answering a recommendation, its SMART
actions, lead rows, the quarterly review by the strategic lead for QA, overdue reviews and
closing; findings tagged for the training plan (002), never naming a case."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.utils import timezone

from auditloop.actions import selectors, services
from auditloop.actions.attention import action_plans
from auditloop.actions.models import (
    Action,
    ActionPlan,
    ActionPlanEvent,
    ActionPlanLead,
    ActionPlanReview,
    Finding,
)
from auditloop.common.errors import DomainError, WorkflowError
from auditloop.notifications.models import Notification
from auditloop.people.roles import Role
from auditloop.standards.selectors import framework_settings_row
from tests.actions.factories import (
    SMART,
    add_plan_action,
    make_finding,
    make_plan,
    qa_reviewer,
    strategic_lead,
)
from tests.factories import CaseFactory, PersonFactory

pytestmark = pytest.mark.django_db
REVIEW = {"rag": ActionPlanReview.Rag.AMBER, "progress": "Two of three teams record it."}


def cadence(months: int | None) -> None:
    row = framework_settings_row()
    row.action_plan_review_months = months
    row.save(update_fields=["action_plan_review_months"])


def sign_off(action: Action, *, by) -> None:  # type: ignore[no-untyped-def]
    owner = action.owner_rows.get(ended_at__isnull=True).person
    services.action_submit_for_sign_off(action=action, actor=owner, evidence="Done")
    services.action_sign_off(action=Action.objects.get(pk=action.pk), actor=by)


# ---------------------------------------------------------------- making a plan


@time_machine.travel(dt.datetime(2026, 1, 10, 9, tzinfo=dt.UTC), tick=False)
def test_a_plan_starts_with_its_lead_row_and_a_review_a_cadence_away():
    cadence(3)
    lead, qa = strategic_lead(), qa_reviewer()
    plan = make_plan(lead=lead, actor=qa)
    assert plan.next_review_on == dt.date(2026, 4, 10)
    row = ActionPlanLead.objects.get(plan=plan)
    assert (row.person, row.assigned_by, row.ended_at) == (lead, qa, None)
    assert list(plan.events.values_list("kind", flat=True)) == ["created"]
    notice = Notification.objects.get(recipient=lead)
    assert notice.link == f"/actions/plans/{plan.pk}/#plan-actions"


def test_without_a_cadence_a_plan_has_no_review_date():
    cadence(None)
    assert make_plan().next_review_on is None


def test_only_a_strategic_lead_or_an_owner_of_plans_can_lead_one():
    with pytest.raises(DomainError) as err:
        make_plan(lead=PersonFactory(roles=[Role.TEAM_MANAGER]))
    assert err.value.field == "strategic_lead"
    director = PersonFactory(roles=[Role.DIRECTOR])  # OWN_ACTION_PLANS
    assert make_plan(lead=director).lead_rows.get().person == director
    with pytest.raises(DomainError):
        make_plan(lead=strategic_lead(is_active=False))


@pytest.mark.parametrize("field", ["title", "recommendation", "source_label"])
def test_a_plan_needs_its_title_recommendation_and_source(field):
    with pytest.raises(DomainError) as err:
        make_plan(**{field: "  "})
    assert err.value.field == field


def test_a_plan_is_made_once_per_source_key_and_title():
    lead = strategic_lead()
    first = make_plan(lead=lead, source_key="cycle:12")
    assert make_plan(lead=lead, source_key="cycle:12") == first
    other = make_plan(lead=lead, source_key="cycle:12", title="Chronologies")
    assert other != first
    assert list(selectors.action_plans_from(source_key="cycle:12")) == [first, other]
    # Without a key the caller asked for two plans.
    assert make_plan(lead=lead) != make_plan(lead=lead)
    assert ActionPlan.objects.count() == 4


def test_plans_for_a_theme():
    neglect = make_plan(theme="Neglect")
    make_plan(theme="Domestic abuse")
    assert list(selectors.action_plans_for_theme(theme="Neglect")) == [neglect]


# ---------------------------------------------------------------- the plan's actions


@time_machine.travel(dt.datetime(2026, 6, 1, 9, tzinfo=dt.UTC), tick=False)
@pytest.mark.parametrize("field", list(SMART))
def test_every_smart_part_of_a_plan_action_is_required(field):
    plan = make_plan()
    with pytest.raises(DomainError) as err:
        add_plan_action(plan, **{field: " "})
    assert err.value.field == field
    assert not Action.objects.exists()


@time_machine.travel(dt.datetime(2026, 6, 1, 9, tzinfo=dt.UTC), tick=False)
def test_a_plan_action_needs_a_date_that_has_not_passed():
    plan = make_plan()
    with pytest.raises(DomainError) as err:
        add_plan_action(plan, due_on=None)  # type: ignore[arg-type]
    assert err.value.field == "due_on"
    with pytest.raises(DomainError, match="today or later"):
        add_plan_action(plan, due_on=dt.date(2026, 5, 31))
    assert add_plan_action(plan, due_on=dt.date(2026, 6, 1)).due_on == dt.date(2026, 6, 1)


@time_machine.travel(dt.datetime(2026, 6, 1, 9, tzinfo=dt.UTC), tick=False)
def test_the_lead_signs_off_a_plan_action_and_nobody_signs_off_their_own():
    lead = strategic_lead()
    plan = make_plan(lead=lead)
    manager = PersonFactory(roles=[Role.TEAM_MANAGER])
    theirs = add_plan_action(plan, owner=manager)
    assert (theirs.sign_off_person, theirs.sign_off_role) == (lead, Role.STRATEGIC_LEAD)
    assert theirs.plan_link.plan == plan and theirs.status == Action.Status.RED
    own = add_plan_action(plan, owner=lead, action="Brief the service managers")
    assert own.sign_off_person is None and own.sign_off_role == Role.HEAD_OF_QA
    assert plan.events.filter(kind=ActionPlanEvent.Kind.ACTION_ADDED).count() == 2


@time_machine.travel(dt.datetime(2026, 6, 1, 9, tzinfo=dt.UTC), tick=False)
def test_adding_the_same_action_twice_makes_one():
    plan = make_plan()
    assert add_plan_action(plan) == add_plan_action(plan)
    assert Action.objects.count() == 1


@time_machine.travel(dt.datetime(2026, 6, 1, 9, tzinfo=dt.UTC), tick=False)
def test_only_the_lead_or_the_qa_team_add_actions():
    plan = make_plan()
    with pytest.raises(DomainError, match="lead or the QA team"):
        add_plan_action(plan, actor=strategic_lead())
    qa = PersonFactory(roles=[Role.QA_MANAGER])
    assert add_plan_action(plan, actor=qa).created_by == qa


# ---------------------------------------------------------------- who leads it


def test_changing_the_lead_ends_the_old_row_and_starts_a_new_one():
    first, second, qa = strategic_lead(), strategic_lead(), PersonFactory(
        roles=[Role.QA_MANAGER])
    plan = make_plan(lead=first)
    services.action_plan_lead_change(plan=plan, lead=second, actor=qa, note="New post")
    rows = list(ActionPlanLead.objects.filter(plan=plan).order_by("id"))
    assert [r.person for r in rows] == [first, second]
    assert rows[0].ended_at is not None and rows[1].ended_at is None
    assert rows[1].assigned_by == qa
    assert selectors.get_plan_for_user(qa.user, plan.pk).lead == second
    # The same lead again changes nothing.
    services.action_plan_lead_change(plan=plan, lead=second, actor=qa)
    assert ActionPlanLead.objects.filter(plan=plan).count() == 2
    assert Notification.objects.filter(recipient=second).count() == 1


def test_the_lead_can_hand_over_but_not_to_someone_who_cannot_lead():
    lead = strategic_lead()
    plan = make_plan(lead=lead)
    with pytest.raises(DomainError) as err:
        services.action_plan_lead_change(plan=plan, lead=PersonFactory(), actor=lead)
    assert err.value.field == "lead"
    with pytest.raises(DomainError, match="lead or the QA team"):
        services.action_plan_lead_change(plan=plan, lead=strategic_lead(),
                                         actor=strategic_lead())
    services.action_plan_lead_change(plan=plan, lead=(new := strategic_lead()), actor=lead)
    assert plan.lead_rows.get(ended_at__isnull=True).person == new


@time_machine.travel(dt.datetime(2026, 6, 1, 9, tzinfo=dt.UTC), tick=False)
def test_a_new_lead_signs_off_the_open_actions_the_old_lead_would_have():
    old, new = strategic_lead(), strategic_lead()
    plan = make_plan(lead=old)
    manager = PersonFactory(roles=[Role.TEAM_MANAGER])
    open_action = add_plan_action(plan, owner=manager)
    new_owns = add_plan_action(plan, owner=new, action="The new lead's own")
    old_owns = add_plan_action(plan, owner=old, action="The old lead's own")
    done = add_plan_action(plan, owner=manager, action="Done already")
    sign_off(done, by=old)
    services.action_plan_lead_change(plan=plan, lead=new, actor=old)
    for action, role, person in ((open_action, Role.STRATEGIC_LEAD, new),
                                 (new_owns, Role.HEAD_OF_QA, None),
                                 (old_owns, Role.STRATEGIC_LEAD, new),
                                 (done, Role.STRATEGIC_LEAD, old)):
        action.refresh_from_db()
        assert (action.sign_off_role, action.sign_off_person) == (role, person), action.action
    assert open_action.events.filter(kind="comment", note__contains=new.full_name).exists()


# ---------------------------------------------------------------- reviews


@time_machine.travel(dt.datetime(2026, 1, 10, 9, tzinfo=dt.UTC), tick=False)
def test_a_quarterly_review_moves_the_next_review_a_quarter_on():
    cadence(3)
    plan = make_plan()
    qa = qa_reviewer()
    with time_machine.travel(dt.datetime(2026, 3, 31, 9, tzinfo=dt.UTC), tick=False):
        review = services.action_plan_review_record(
            plan=plan, actor=qa, reviewed_on=dt.date(2026, 3, 31), **REVIEW)
    # 31 March plus three months is the last day of June.
    assert review.next_review_on == dt.date(2026, 6, 30)
    plan.refresh_from_db()
    assert plan.next_review_on == dt.date(2026, 6, 30)
    assert plan.events.filter(kind="reviewed").count() == 1
    lead = plan.lead_rows.get().person
    notice = Notification.objects.filter(recipient=lead).latest("id")
    assert notice.subject == "Your action plan has been reviewed"
    assert notice.link == f"/actions/plans/{plan.pk}/"


@time_machine.travel(dt.datetime(2026, 4, 20, 9, tzinfo=dt.UTC), tick=False)
def test_a_review_may_bring_the_next_one_forward_but_not_push_it_past_the_cadence():
    cadence(3)
    with time_machine.travel(dt.datetime(2026, 1, 10, 9, tzinfo=dt.UTC), tick=False):
        plan = make_plan()
    qa = qa_reviewer()
    args = {"plan": plan, "actor": qa, "reviewed_on": dt.date(2026, 4, 14), **REVIEW}
    with pytest.raises(DomainError, match="14 July 2026") as err:
        services.action_plan_review_record(next_review_on=dt.date(2026, 7, 15), **args)
    assert err.value.field == "next_review_on"
    with pytest.raises(DomainError, match="after this one"):
        services.action_plan_review_record(next_review_on=dt.date(2026, 4, 14), **args)
    review = services.action_plan_review_record(next_review_on=dt.date(2026, 5, 20), **args)
    assert review.next_review_on == dt.date(2026, 5, 20)


@time_machine.travel(dt.datetime(2026, 4, 20, 9, tzinfo=dt.UTC), tick=False)
def test_a_review_date_is_not_in_the_future_nor_before_the_plan_and_once_a_day():
    plan = make_plan()
    qa = qa_reviewer()
    for day, words in ((dt.date(2026, 4, 21), "future"), (dt.date(2026, 4, 19), "before")):
        with pytest.raises(DomainError, match=words):
            services.action_plan_review_record(plan=plan, actor=qa, reviewed_on=day,
                                               **REVIEW)
    services.action_plan_review_record(plan=plan, actor=qa, reviewed_on=dt.date(2026, 4, 20),
                                       **REVIEW)
    with pytest.raises(DomainError, match="already has a review"):
        services.action_plan_review_record(plan=plan, actor=qa,
                                           reviewed_on=dt.date(2026, 4, 20), **REVIEW)
    with pytest.raises(DomainError) as err:
        services.action_plan_review_record(plan=plan, actor=qa, reviewed_on=dt.date(2026, 4,
                                           20), rag="purple", progress="x")
    assert err.value.field == "rag"


def test_a_back_dated_review_does_not_move_a_later_ones_next_date():
    cadence(3)
    with time_machine.travel(dt.datetime(2026, 1, 5, 9, tzinfo=dt.UTC), tick=False):
        plan = make_plan()
    qa = qa_reviewer()
    with time_machine.travel(dt.datetime(2026, 6, 1, 9, tzinfo=dt.UTC), tick=False):
        services.action_plan_review_record(plan=plan, actor=qa,
                                           reviewed_on=dt.date(2026, 5, 28), **REVIEW)
        services.action_plan_review_record(plan=plan, actor=qa,
                                           reviewed_on=dt.date(2026, 3, 2), **REVIEW)
    plan.refresh_from_db()
    assert plan.next_review_on == dt.date(2026, 8, 28)


@time_machine.travel(dt.datetime(2026, 4, 20, 9, tzinfo=dt.UTC), tick=False)
def test_without_a_cadence_the_next_review_is_what_the_reviewer_sets():
    cadence(None)
    plan = make_plan()
    qa = qa_reviewer()
    first = services.action_plan_review_record(plan=plan, actor=qa,
                                               reviewed_on=dt.date(2026, 4, 20), **REVIEW)
    assert first.next_review_on is None
    with time_machine.travel(dt.datetime(2026, 4, 21, 9, tzinfo=dt.UTC), tick=False):
        later = services.action_plan_review_record(plan=plan, actor=qa,
                                                   reviewed_on=dt.date(2026, 4, 21),
                                                   next_review_on=dt.date(2027, 1, 1),
                                                   **REVIEW)
    assert later.next_review_on == dt.date(2027, 1, 1)


def test_the_strategic_lead_for_qa_reviews_and_never_their_own_plan():
    other = make_plan()
    today = timezone.localdate()
    lead = other.lead_rows.get().person
    with pytest.raises(DomainError):
        services.action_plan_review_record(plan=other, actor=lead, reviewed_on=today,
                                           **REVIEW)
    qa_manager = PersonFactory(roles=[Role.QA_MANAGER])
    services.action_plan_review_record(plan=other, actor=qa_manager, reviewed_on=today,
                                       **REVIEW)


def test_a_head_of_qa_who_also_leads_a_plan_cannot_review_it():
    head = PersonFactory(roles=[Role.HEAD_OF_QA, Role.STRATEGIC_LEAD])
    plan = make_plan(lead=head)
    with pytest.raises(DomainError, match="not one they lead"):
        services.action_plan_review_record(plan=plan, actor=head,
                                           reviewed_on=timezone.localdate(), **REVIEW)
    assert services.may_review_plan(plan=make_plan(), person=head)


# ---------------------------------------------------------------- overdue reviews


def test_a_review_is_overdue_the_day_after_it_was_due():
    cadence(3)
    qa = PersonFactory(roles=[Role.QA_MANAGER])
    lead = strategic_lead()
    with time_machine.travel(dt.datetime(2026, 1, 10, 9, tzinfo=dt.UTC), tick=False):
        plan = make_plan(lead=lead)
    with time_machine.travel(dt.datetime(2026, 4, 10, 12, tzinfo=dt.UTC), tick=False):
        assert not selectors.plans_overdue().exists()
        texts = [i.text for p in action_plans(lead.user) for i in p.items]
        assert texts == ["1 action plan you lead"]
        assert action_plans(qa.user) == []
    with time_machine.travel(dt.datetime(2026, 4, 11, 9, tzinfo=dt.UTC), tick=False):
        assert list(selectors.plans_overdue()) == [plan]
        texts = [i.text for p in action_plans(lead.user) for i in p.items]
        assert texts == ["1 plan you lead overdue for review", "1 action plan you lead"]
        [panel] = action_plans(qa.user)
        assert panel.items[0].text == "1 action plan overdue for review"
        assert "overdue=yes" in panel.items[0].href
        # A stranger with nothing to do with plans sees nothing.
        assert action_plans(PersonFactory(roles=[Role.PRACTITIONER]).user) == []
        services.action_plan_review_record(plan=plan, actor=qa,
                                           reviewed_on=dt.date(2026, 4, 11), **REVIEW)
        assert not selectors.plans_overdue().exists()


def test_a_closed_plan_is_never_overdue():
    cadence(3)
    with time_machine.travel(dt.datetime(2026, 1, 10, 9, tzinfo=dt.UTC), tick=False):
        plan = make_plan()
        services.action_plan_close(plan=plan, actor=plan.lead_rows.get().person,
                                   summary="Done")
    with time_machine.travel(dt.datetime(2026, 9, 1, 9, tzinfo=dt.UTC), tick=False):
        assert not selectors.plans_overdue().exists()


# ---------------------------------------------------------------- closing


@time_machine.travel(dt.datetime(2026, 6, 1, 9, tzinfo=dt.UTC), tick=False)
def test_closing_needs_a_summary_and_finished_actions_or_a_reason():
    lead = strategic_lead()
    plan = make_plan(lead=lead)
    manager = PersonFactory(roles=[Role.TEAM_MANAGER])
    action = add_plan_action(plan, owner=manager)
    with pytest.raises(DomainError) as err:
        services.action_plan_close(plan=plan, actor=lead, summary=" ")
    assert err.value.field == "summary"
    with pytest.raises(DomainError, match="1 of the plan's actions is not signed off") as err:
        services.action_plan_close(plan=plan, actor=lead, summary="Oversight is recorded")
    assert err.value.field == "open_actions_reason"
    sign_off(action, by=lead)
    plan = services.action_plan_close(plan=plan, actor=lead, summary="Oversight is recorded",
                                      open_actions_reason="ignored: nothing open")
    assert plan.status == ActionPlan.Status.CLOSED and plan.closed_by == lead
    assert plan.open_actions_reason == "" and plan.next_review_on is None
    assert plan.events.filter(kind="closed").count() == 1


@time_machine.travel(dt.datetime(2026, 6, 1, 9, tzinfo=dt.UTC), tick=False)
def test_a_plan_can_close_with_open_actions_when_the_reason_is_recorded():
    plan = make_plan()
    add_plan_action(plan)
    qa = PersonFactory(roles=[Role.QA_MANAGER])
    plan = services.action_plan_close(plan=plan, actor=qa, summary="Replaced",
                                      open_actions_reason="Taken into the new Early Help plan")
    assert plan.open_actions_reason == "Taken into the new Early Help plan"


@time_machine.travel(dt.datetime(2026, 6, 1, 9, tzinfo=dt.UTC), tick=False)
def test_a_closed_plan_takes_no_more_actions_reviews_leads_or_closing():
    plan = make_plan()
    lead = plan.lead_rows.get().person
    services.action_plan_close(plan=plan, actor=lead, summary="Done")
    calls = [
        lambda: add_plan_action(plan),
        lambda: services.action_plan_review_record(plan=plan, actor=qa_reviewer(),
                                                   reviewed_on=dt.date(2026, 6, 1), **REVIEW),
        lambda: services.action_plan_lead_change(plan=plan, lead=strategic_lead(), actor=lead),
        lambda: services.action_plan_close(plan=plan, actor=lead, summary="Again"),
    ]
    for call in calls:
        with pytest.raises(WorkflowError, match="closed"):
            call()


def test_only_the_lead_or_the_qa_team_close_a_plan():
    plan = make_plan()
    with pytest.raises(DomainError, match="lead or the QA team"):
        services.action_plan_close(plan=plan, actor=strategic_lead(), summary="Done")


# ---------------------------------------------------------------- findings


def test_a_finding_carries_its_tags_source_theme_and_plan():
    plan = make_plan()
    finding = make_finding(tags=["policy", "training_need", "policy"], plan=plan,
                           source_key="moderation-sample:3")
    assert finding.tag_values == ["policy", "training_need"]
    assert finding.tag_labels == ["Policy or procedure issue", "Training need"]
    assert list(selectors.findings_from(source_key="moderation-sample:3")) == [finding]
    assert list(selectors.finding_list(tag="policy")) == [finding]
    assert not selectors.finding_list(tag="supervision").exists()
    assert list(plan.findings.all()) == [finding]


def test_a_finding_needs_a_kind_from_the_list():
    for tags in ([], ["gossip"]):
        with pytest.raises(DomainError) as err:
            make_finding(tags=tags or None) if tags else services.finding_create(
                text="x", tags=[], source="qa_meeting", source_label="y", actor=None)
        assert err.value.field == "tags"


def test_the_same_finding_from_the_same_source_is_recorded_once():
    first = make_finding(source_key="cycle:4")
    assert make_finding(source_key="cycle:4") == first
    assert make_finding(source_key="cycle:5") != first
    assert Finding.objects.count() == 2


def test_a_finding_that_names_a_case_is_refused():
    case = CaseFactory(reference="LCS123456", child_identifier="CHILD-0042",
                       family_identifier="FAM778")
    for text in (f"Seen on {case.reference}: no plan", "The file for child-0042 has gaps",
                 "FAM778's assessment was late"):
        with pytest.raises(DomainError, match="Take out the case reference") as err:
            make_finding(text=text)
        assert err.value.field == "text"
    # Numbers that are not identifiers in the register are fine.
    assert make_finding(text="Oversight recorded on 9 in 10 files; 2026 target LCS999999")


def test_finding_lists_filter_by_theme_and_dates_newest_first():
    with time_machine.travel(dt.datetime(2026, 3, 1, 9, tzinfo=dt.UTC), tick=False):
        old = make_finding(text="Old", theme="Neglect")
    with time_machine.travel(dt.datetime(2026, 5, 1, 9, tzinfo=dt.UTC), tick=False):
        new = make_finding(text="New", theme="Neglect")
        other = make_finding(text="Other", theme="Domestic abuse")
    tag = Finding.Tag.TRAINING_NEED
    assert list(selectors.finding_list(tag=tag)) == [other, new, old]
    assert list(selectors.finding_list(tag=tag, theme="Neglect")) == [new, old]
    assert list(selectors.finding_list(tag=tag, since=dt.date(2026, 4, 1))) == [other, new]
    assert list(selectors.finding_list(tag=tag, until=dt.date(2026, 3, 1))) == [old]
    assert selectors.finding_themes() == ["Domestic abuse", "Neglect"]


def test_action_plan_review_months_sets_the_first_review():
    cadence(3)
    quarterly = make_plan().next_review_on
    cadence(6)
    half_yearly = make_plan(title="Another plan").next_review_on
    cadence(None)
    never = make_plan(title="A third plan").next_review_on
    assert quarterly is not None and half_yearly is not None and never is None
    assert half_yearly > quarterly

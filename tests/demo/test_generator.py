"""The demo council generator: deterministic, well-formed, and safe to run again."""

import datetime as dt
import io
from collections import Counter
from io import StringIO

import pytest
import time_machine
from django.core.management import CommandError, call_command
from django.db.models import Count, Max, Q

from auditloop.cases.models import Case, CaseEvent, Involvement
from auditloop.demo.generator import (
    DEMO_PASSWORD,
    DemoCouncilExists,
    generate_council,
    reset_council,
)
from auditloop.people.models import AuditorTraining, Person, Service, Team, User
from auditloop.people.roles import Role

REFERENCE_DATE = dt.date(2026, 3, 31)
SEED = 7

pytestmark = pytest.mark.django_db


@pytest.fixture
def council() -> None:
    generate_council(scale="small", seed=SEED, reference_date=REFERENCE_DATE)


def _fingerprint() -> tuple[list[str], dict[str, int], list[str]]:
    references = list(Case.objects.order_by("reference").values_list("reference", flat=True))
    involvements = dict(
        Case.objects.annotate(n=Count("involvements")).values_list("reference", "n")
    )
    staff = list(Person.objects.order_by("staff_number").values_list("full_name", flat=True))
    return references, involvements, staff


def test_the_same_seed_makes_the_same_council() -> None:
    generate_council(scale="small", seed=SEED, reference_date=REFERENCE_DATE)
    first = _fingerprint()
    reset_council()
    assert not Case.objects.exists()
    generate_council(scale="small", seed=SEED, reference_date=REFERENCE_DATE)
    assert _fingerprint() == first


def test_another_seed_makes_another_council() -> None:
    generate_council(scale="small", seed=SEED, reference_date=REFERENCE_DATE)
    first_references, first_involvements, first_staff = _fingerprint()
    reset_council()
    generate_council(scale="small", seed=SEED + 1, reference_date=REFERENCE_DATE)
    references, involvements, staff = _fingerprint()
    assert not set(references) & set(first_references)
    assert staff != first_staff
    assert sorted(involvements.values()) != sorted(first_involvements.values())


def test_the_small_scale_has_the_expected_shape(council: None) -> None:
    assert Case.objects.count() == 300
    assert 25 <= Person.objects.count() <= 45
    assert set(Service.objects.values_list("kind", flat=True)) == {
        Service.Kind.EARLY_HELP, Service.Kind.FRONT_DOOR, Service.Kind.CIN, Service.Kind.CP,
        Service.Kind.CLA, Service.Kind.CARE_LEAVER, Service.Kind.YJS,
        Service.Kind.OTHER,  # the Safeguarding and Review Unit
    }
    assert Team.objects.exclude(agency="").count() == 2
    by_service = Counter(Case.objects.values_list("service__kind", flat=True))
    assert all(by_service[kind] > 0 for kind in Service.Kind.values if kind not in
               {Service.Kind.ADOPTION, Service.Kind.FOSTERING, Service.Kind.OTHER})
    assert Case.objects.filter(status=Case.Status.OPEN).count() > 100
    assert Case.objects.filter(themes__isnull=False).distinct().count() > 100


def test_every_case_has_a_service_an_opening_date_and_consistent_status(council: None) -> None:
    assert not Case.objects.filter(Q(service__isnull=True) | Q(opened_on__isnull=True)).exists()
    assert not Case.objects.filter(status=Case.Status.OPEN, closed_on__isnull=False).exists()
    assert not Case.objects.filter(status=Case.Status.CLOSED, closed_on__isnull=True).exists()
    assert not Case.objects.filter(opened_on__gt=REFERENCE_DATE).exists()
    assert not CaseEvent.objects.filter(occurred_on__gt=REFERENCE_DATE).exists()
    assert not Involvement.objects.filter(started_on__gt=REFERENCE_DATE).exists()


def test_holders_on_the_case_match_its_open_involvements(council: None) -> None:
    open_cases = Case.objects.filter(status=Case.Status.OPEN).prefetch_related("involvements")
    for case in open_cases:
        current = [i for i in case.involvements.all() if i.ended_on is None]
        key_workers = [i.person_id for i in current if i.role == Involvement.Role.KEY_WORKER]
        managers = [i.person_id for i in current if i.role == Involvement.Role.TEAM_MANAGER]
        assert key_workers == [case.key_worker_id], case.reference
        assert managers == [case.team_manager_id], case.reference
    assert not Involvement.objects.filter(case__status=Case.Status.CLOSED,
                                          ended_on__isnull=True).exists()
    assert not Case.objects.filter(status=Case.Status.OPEN, key_worker__is_active=False).exists()
    # Key workers change over time on some cases.
    assert Involvement.objects.filter(role=Involvement.Role.KEY_WORKER).count() > 300


def test_line_management_is_one_tree(council: None) -> None:
    council_staff = dict(Person.objects.filter(agency="").values_list("id", "line_manager_id"))
    roots = [pk for pk, manager in council_staff.items() if manager is None]
    assert len(roots) == 1
    director = Person.objects.select_related("job_title").get(pk=roots[0])
    assert str(director.job_title) == "Director of Children's Services"
    for pk in council_staff:
        seen = {pk}
        manager = council_staff[pk]
        while manager is not None:
            assert manager not in seen, "a loop in line management"
            seen.add(manager)
            manager = council_staff[manager]
    # Partner agencies' staff are managed in their own agency, not by the council.
    assert not Person.objects.exclude(agency="").filter(line_manager__isnull=False).exists()


def test_every_role_has_a_demo_sign_in(council: None) -> None:
    for role in Role:
        user = User.objects.get(username=f"demo-{role.value}")
        assert user.is_demo
        assert user.check_password(DEMO_PASSWORD)
        assert user.has_role(role), role


def test_demo_people_have_sensible_relationships(council: None) -> None:
    def person(role: Role) -> Person:
        return User.objects.get(username=f"demo-{role.value}").person

    practitioner = person(Role.PRACTITIONER)
    open_cases = Case.objects.filter(status=Case.Status.OPEN)
    assert open_cases.filter(key_worker=practitioner).count() == 15
    team_manager = person(Role.TEAM_MANAGER)
    assert practitioner.line_manager == team_manager
    assert team_manager.line_manager == person(Role.SERVICE_MANAGER)
    assert team_manager.line_manager.line_manager == person(Role.SENIOR_MANAGER)
    assert Involvement.objects.filter(
        person=person(Role.IRO), role=Involvement.Role.IRO, ended_on__isnull=True,
        case__service__kind__in=[Service.Kind.CP, Service.Kind.CLA],
    ).exists()
    partner = person(Role.PARTNER_AGENCY_LEAD)
    assert partner.agency and partner.agency_type == "health visitor"
    assert open_cases.filter(key_worker=partner, service__kind=Service.Kind.EARLY_HELP,
                             agency_type="health visitor").exists()
    auditor = person(Role.AUDITOR)
    latest = auditor.training.order_by("-recorded_on", "-id").first()
    assert latest is not None and latest.status == AuditorTraining.Status.TRAINED


def test_some_early_help_cases_drift(council: None) -> None:
    eight_weeks_ago = REFERENCE_DATE - dt.timedelta(weeks=8)
    early_help = Case.objects.filter(
        status=Case.Status.OPEN, service__kind=Service.Kind.EARLY_HELP
    ).annotate(last_meeting=Max("events__occurred_on", filter=Q(
        events__kind__in=[CaseEvent.Kind.TAF_MEETING, CaseEvent.Kind.REVIEW])))
    assert early_help.filter(last_meeting__lt=eight_weeks_ago).exists()
    assert early_help.filter(last_meeting__gte=eight_weeks_ago).count() > early_help.filter(
        last_meeting__lt=eight_weeks_ago).count()


def test_some_plans_have_been_open_longer_than_9_and_12_months(council: None) -> None:
    plans = Case.objects.filter(status=Case.Status.OPEN, plan_started_on__isnull=False)
    assert plans.filter(plan_started_on__lt=REFERENCE_DATE - dt.timedelta(days=274)).exists()
    assert plans.filter(plan_started_on__lt=REFERENCE_DATE - dt.timedelta(days=365)).exists()


def test_there_are_absences_training_and_leavers(council: None) -> None:
    assert Person.objects.filter(absences__kind="leave").exists()
    assert Person.objects.filter(absences__kind="sickness").exists()
    statuses = set(AuditorTraining.objects.values_list("status", flat=True))
    assert statuses == set(AuditorTraining.Status.values)
    assert Case.objects.filter(step=Case.Step.STEP_DOWN).exists()
    assert Case.objects.filter(step=Case.Step.STEP_UP).exists()


def test_a_second_council_is_refused_without_reset(council: None) -> None:
    with pytest.raises(DemoCouncilExists):
        generate_council(scale="small", seed=SEED, reference_date=REFERENCE_DATE)
    with pytest.raises(CommandError, match="--reset"):
        call_command("demo", "--scale", "small", "--history-months", "0", stdout=StringIO())


def test_if_empty_is_idempotent() -> None:
    out = StringIO()
    args = ["--scale", "small", "--history-months", "0", "--if-empty", "--reference-date",
            REFERENCE_DATE.isoformat()]
    call_command("demo", *args, stdout=out)
    assert "demo-qa_manager" in out.getvalue()
    counts = (Case.objects.count(), Person.objects.count(), User.objects.count(),
              Involvement.objects.count())
    out = StringIO()
    call_command("demo", *args, stdout=out)
    assert "already has cases" in out.getvalue()
    assert (Case.objects.count(), Person.objects.count(), User.objects.count(),
            Involvement.objects.count()) == counts


def test_reset_replaces_the_council_and_keeps_the_sign_ins(council: None) -> None:
    users = set(User.objects.values_list("pk", flat=True))
    call_command("demo", "--scale", "small", "--seed", str(SEED + 1), "--reset",
                 "--history-months", "0",
                 "--reference-date", REFERENCE_DATE.isoformat(), stdout=StringIO())
    assert Case.objects.count() == 300
    assert set(User.objects.values_list("pk", flat=True)) == users
    assert all(User.objects.get(username=f"demo-{role.value}").person_or_none
               for role in Role)


def test_dates_run_up_to_today_by_default() -> None:
    with time_machine.travel(dt.datetime(2025, 11, 3, 12, tzinfo=dt.UTC), tick=False):
        call_command("demo", "--scale", "small", "--history-months", "0", stdout=StringIO())
    latest = CaseEvent.objects.aggregate(last=Max("occurred_on"))["last"]
    assert latest is not None and latest <= dt.date(2025, 11, 3)
    assert Case.objects.filter(opened_on__gt=dt.date(2025, 10, 1)).exists()


@pytest.mark.django_db
def test_demo_runs_the_chosen_preset_with_every_shipped_tool():
    from django.core.management import call_command

    from auditloop.standards.models import Tool
    from auditloop.standards.presets import shipped_tool_keys
    from auditloop.standards.selectors import framework_settings_row

    call_command("demo", "--scale", "small", "--reference-date", "2026-03-31",
                 "--preset", "003-caf-tiered", "--history-months", "0", stdout=io.StringIO())
    assert framework_settings_row().preset_key == "003-caf-tiered"
    assert set(Tool.objects.values_list("key", flat=True)) == set(shipped_tool_keys())
    # 003's Tier 1 tool is in the framework: the demo's Early Help records wait for a check.
    from auditloop.cases.models import CaseEvent
    from auditloop.quality.models import QualityCheck
    from auditloop.quality.services import quality_checks_create_for_new_events

    assert QualityCheck.objects.exists()
    assert quality_checks_create_for_new_events() == 0
    assert not CaseEvent.objects.filter(
        kind__in=["assessment_completed", "taf_meeting", "closure"],
        case__service__kind="early_help", quality_check__isnull=True).exists()


def test_the_safeguarding_and_review_unit_has_one_service_manager_on_002s_panel(
        council: None) -> None:
    # 002: "the Service Manager for the Safeguarding and Review Unit" sits on the moderation
    # panel, not every service manager; the unit's IROs and CP Chairs are theirs.
    from auditloop.moderation.services import panel_members
    from auditloop.standards.services import preset_apply

    preset_apply(key="002-six-key-areas")
    unit = Team.objects.get(name="Safeguarding and Review Unit")
    [unit_manager] = Person.objects.filter(team=unit, job_title__name="Service Manager")
    assert set(Person.objects.filter(job_title__name="Independent Reviewing Officer")
               .values_list("line_manager", flat=True)) == {unit_manager.pk}
    panel = panel_members()
    # Other service managers sit on it only as moderators (audit champions, "input from the
    # wider management team").
    assert unit_manager in panel
    assert all(p == unit_manager or Role.MODERATOR in p.roles
               for p in panel if Role.SERVICE_MANAGER in p.roles)
    for role in (Role.ASSISTANT_DIRECTOR, Role.PRINCIPAL_SOCIAL_WORKER, Role.QA_MANAGER):
        assert any(role in p.roles for p in panel), role

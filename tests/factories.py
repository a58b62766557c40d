"""factory-boy factories, one per model and per state."""

import datetime as dt

import factory
import faker
from factory.django import DjangoModelFactory

from auditloop.cases.models import Case, CaseEvent, Involvement
from auditloop.people.models import (
    Absence,
    AuditorTraining,
    JobTitle,
    JobTitleRole,
    Locality,
    Person,
    PersonRole,
    Service,
    Team,
    User,
)


class UserFactory(DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ("username",)

    username = factory.Sequence(lambda n: f"user{n}")
    password = factory.django.Password("a long test password")


class LocalityFactory(DjangoModelFactory):
    class Meta:
        model = Locality
        django_get_or_create = ("name",)

    name = factory.Sequence(lambda n: f"Locality {n}")


class ServiceFactory(DjangoModelFactory):
    class Meta:
        model = Service
        django_get_or_create = ("name",)

    name = "Early Help"
    kind = Service.Kind.EARLY_HELP


class TeamFactory(DjangoModelFactory):
    class Meta:
        model = Team
        django_get_or_create = ("name",)

    name = factory.Sequence(lambda n: f"Team {n}")
    service = factory.SubFactory(ServiceFactory)
    locality = factory.SubFactory(LocalityFactory)


class JobTitleFactory(DjangoModelFactory):
    class Meta:
        model = JobTitle
        django_get_or_create = ("name",)

    name = factory.Sequence(lambda n: f"Job title {n}")


_faker = faker.Faker("en_GB")


class PersonFactory(DjangoModelFactory):
    class Meta:
        model = Person
        skip_postgeneration_save = True

    staff_number = factory.Sequence(lambda n: f"S{n:05d}")
    # Names as pages show them: Faker's occasional O'Brien is O&#39;Brien in the HTML,
    # which made tests that look for a name on a page fail now and then. Escaping itself is
    # Jinja's; a test that wants an apostrophe gives the name.
    full_name = factory.LazyFunction(lambda: _faker.name().replace("'", ""))
    team = factory.SubFactory(TeamFactory)
    user = factory.SubFactory(UserFactory)

    @factory.post_generation
    def roles(self, create, extracted, **kwargs):  # type: ignore[no-untyped-def]
        for role in extracted or []:
            PersonRole.objects.get_or_create(person=self, role=role)
        self.__dict__.pop("roles", None)


def job_title_with_roles(name: str, *roles: str) -> JobTitle:
    jt, _ = JobTitle.objects.get_or_create(name=name)
    for role in roles:
        JobTitleRole.objects.get_or_create(job_title=jt, role=role)
    return jt


class AbsenceFactory(DjangoModelFactory):
    class Meta:
        model = Absence

    person = factory.SubFactory(PersonFactory)
    kind = Absence.Kind.LEAVE
    starts_on = dt.date(2026, 6, 1)
    ends_on = dt.date(2026, 6, 14)


class AuditorTrainingFactory(DjangoModelFactory):
    class Meta:
        model = AuditorTraining

    person = factory.SubFactory(PersonFactory)
    status = AuditorTraining.Status.TRAINED
    recorded_on = dt.date(2026, 1, 10)


class CaseFactory(DjangoModelFactory):
    class Meta:
        model = Case

    reference = factory.Sequence(lambda n: f"C{n:06d}")
    child_identifier = factory.Sequence(lambda n: f"CH{n:06d}")
    service = factory.SubFactory(ServiceFactory)
    team = factory.SubFactory(TeamFactory)
    locality = factory.SelfAttribute("team.locality")
    opened_on = dt.date(2026, 1, 5)
    status = Case.Status.OPEN


class ClosedCaseFactory(CaseFactory):
    status = Case.Status.CLOSED
    closed_on = dt.date(2026, 5, 1)


class InvolvementFactory(DjangoModelFactory):
    class Meta:
        model = Involvement

    case = factory.SubFactory(CaseFactory)
    person = factory.SubFactory(PersonFactory)
    role = Involvement.Role.KEY_WORKER
    started_on = dt.date(2026, 1, 5)


class CaseEventFactory(DjangoModelFactory):
    class Meta:
        model = CaseEvent

    case = factory.SubFactory(CaseFactory)
    kind = CaseEvent.Kind.REVIEW
    occurred_on = dt.date(2026, 3, 1)


def make_action(*, owner=None, created_by=None, sign_off_role="team_manager", **kwargs):  # type: ignore[no-untyped-def]
    """An agreed action through the service, as the app makes them."""
    from auditloop.actions.services import action_create

    defaults = {
        "issue": "Plan not reviewed", "action": "Hold a TAF review", "by_whom": "Key worker",
        "due_on": dt.date(2026, 7, 1), "desired_outcome": "Plan reviewed with the family",
        "success_measure": "Review recorded with the family's views",
    }
    defaults.update(kwargs)
    return action_create(owner=owner or PersonFactory(), created_by=created_by,
                         sign_off_role=sign_off_role, **defaults)


def shipped_tool_version(key: str = "002-six-key-areas"):  # type: ignore[no-untyped-def]
    """A version of one of the tools shipped in standards/tools, loaded as the app loads it."""
    from importlib import resources

    from auditloop.standards.services import tool_version_create

    text = (resources.files("auditloop.standards") / "tools" / f"{key}.yaml").read_text()
    return tool_version_create(text=text, filename=f"{key}.yaml")[0]


def make_audit(*, case=None, auditors=None, tool_key: str = "002-six-key-areas",
               created_by=None, **kwargs):  # type: ignore[no-untyped-def]
    """An allocated audit made through the audits service."""
    from auditloop.audits.services import audit_create

    return audit_create(
        case=case or CaseFactory(key_worker=PersonFactory()),
        tool_version=shipped_tool_version(tool_key),
        auditors=auditors if auditors is not None else [PersonFactory(roles=["auditor"])],
        created_by=created_by, due_on=kwargs.pop("due_on", dt.date(2026, 7, 31)), **kwargs,
    )


def make_quality_check(*, case=None, kind: str = "assessment_completed",
                       occurred_on: dt.date = dt.date(2026, 3, 2), **kwargs):  # type: ignore[no-untyped-def]
    """A Tier 1 quality check waiting in the queue, for a record of an Early Help case."""
    from auditloop.quality.models import QualityCheck

    event = CaseEventFactory(case=case or CaseFactory(), kind=kind, occurred_on=occurred_on)
    return QualityCheck.objects.create(
        event=event, tool_version=shipped_tool_version("003-tier-1-quality-control"), **kwargs)


def finish_audit(audit, *, to: str = "submitted", grade: str = "good", actor=None,  # type: ignore[no-untyped-def]
                 reason: str = "The plan is clear and reviewed with the family"):
    """An audit moved on as if submitted with this overall grade, through the workflow's
    transition service (the audit page's own submit is tested with the audit page)."""
    from django.utils import timezone

    from auditloop.audits import services
    from auditloop.audits.models import Audit

    S = Audit.Status
    Audit.objects.filter(pk=audit.pk).update(overall_grade=grade, final_grade=grade,
                                             overall_reason=reason,
                                             submitted_at=timezone.now())
    audit.refresh_from_db()
    steps = {S.SUBMITTED: [S.SUBMITTED], S.DISCUSSED: [S.SUBMITTED, S.DISCUSSED],
             S.FEEDBACK_SENT: [S.SUBMITTED, S.FEEDBACK_SENT],
             S.ACTIONS_AGREED: [S.SUBMITTED, S.FEEDBACK_SENT, S.ACTIONS_AGREED],
             S.CLOSED: [S.SUBMITTED, S.FEEDBACK_SENT, S.CLOSED]}
    for status in steps[S(to)]:
        services.transition(audit=audit, actor=actor, to=status)
    return audit


def complete_audit(audit, actor, *, grade: str = "good", overall: str | None = None,  # type: ignore[no-untyped-def]
                   skip: tuple[str, ...] = (), impact: int = 7):
    """Answer everything an audit's tool version asks, as an auditor would on the audit page
    (every applicable question with a comment, each graded section's grade and evidence, the
    overall grade). `skip` leaves out fields by their page id (section.item.question)."""
    from auditloop.audits import services
    from auditloop.audits.submission import (
        APPLIES,
        EVIDENCE,
        GRADE,
        OVERALL,
        Sheet,
        field_id,
    )

    def save(section_key: str, item: int, key: str, value, comment: str = "") -> None:  # type: ignore[no-untyped-def]
        if field_id(section_key, item, key) not in skip:
            services.answer_save(audit=audit, actor=actor, section_key=section_key, item=item,
                                 question_key=key, value=value, comment=comment,
                                 seen_revision=None, overwrite=True)

    def sample(sheet, q):  # type: ignore[no-untyped-def]
        kind = q["answer"]
        levels = [lv["key"] for lv in sheet.scale(q.get("scale"))["levels"]]
        return {
            "grade": grade if grade in levels else (levels[0] if levels else "A narrative"),
            "yes_no": (q.get("options") or ["yes"])[0], "rag": "green",
            "number": max(q.get("min") or 0, min(impact, q.get("max") or impact)),
            "date": "2026-05-01", "text": "Seen on the file and in the conversation",
            "choice": (q.get("choices") or [{"key": ""}])[0]["key"],
            "multiple_choice": [(q.get("choices") or [{"key": ""}])[0]["key"]],
        }[kind]

    sheet = Sheet.for_audit(audit)
    for s in sheet.sections:
        if s.get("applies_when") == "auditor_decides":
            save(s["key"], 0, APPLIES, "yes")
    sheet = Sheet.for_audit(audit)
    for s in sheet.sections:
        if sheet.section_applies(s) is False:
            continue
        for item, _ in sheet.items(s):
            for q in s["questions"]:
                save(s["key"], item, q["key"], sample(sheet, q),
                     "" if q.get("comment") == "none" else "Evidence on the file")
        if s.get("graded"):
            save(s["key"], 0, GRADE, grade)
            save(s["key"], 0, EVIDENCE, "The evidence for the grade")
    if sheet.overall:
        save(OVERALL, 0, GRADE, overall or grade)
        save(OVERALL, 0, EVIDENCE, "The evidence for the overall grade")
    return audit


def make_immediate_concern(*, audit=None, raised_by=None, **kwargs):  # type: ignore[no-untyped-def]
    """An immediate safeguarding concern raised through the service, with one time-bound
    action due a week from today."""
    from django.utils import timezone

    from auditloop.audits.concerns import SmartAction, immediate_concern_raise

    if audit is None:
        raised_by = raised_by or PersonFactory(roles=["auditor"])
        audit = make_audit(auditors=[raised_by])
    raised_by = raised_by or audit.assignments.first().person
    values = {
        "summary": "Bruising seen in March was not followed up",
        "unsafe_practice": "current", "mash_contacted": False,
        "actions": [SmartAction("Bruising not followed up", "Visit the child and check",
                                "Team manager", timezone.localdate() + dt.timedelta(days=7),
                                "The child is seen and safe", "Visit recorded")],
    }
    values.update(kwargs)
    return immediate_concern_raise(audit=audit, actor=raised_by, **values)


def make_supervision_item(*, supervisor=None, supervisee=None, audit=None,  # type: ignore[no-untyped-def]
                          reason="requires_improvement"):
    """A case waiting on a team manager's supervision list."""
    from auditloop.audits.supervision import supervision_item_add

    supervisor = supervisor or PersonFactory(roles=["team_manager"])
    supervisee = supervisee or PersonFactory(line_manager=supervisor)
    audit = audit or make_audit(case=CaseFactory(key_worker=supervisee,
                                                 team_manager=supervisor))
    return supervision_item_add(supervisor=supervisor, supervisee=supervisee, audit=audit,
                                reason=reason)


def make_disputed_audit():  # type: ignore[no-untyped-def]
    """A submitted audit of a stranger's case with a conversation, an open disagreement for
    the head of service for QA and feedback to an earlier key worker (for the role matrix)."""
    from auditloop.audits import voices
    from auditloop.audits.models import Disagreement, EarlierPracticeFeedback

    auditor = PersonFactory(roles=["auditor"])
    audit = make_audit(auditors=[auditor])
    conversation = voices.conversation_record(
        audit=audit, actor=auditor, kind="team_manager",
        details=voices.ConversationDetails(outcome="held"))
    finish_audit(audit)
    disagreement = Disagreement.objects.create(
        audit=audit, raised_by=audit.case.key_worker, reason="Unfair",
        settled_by_route="head_of_qa")
    earlier = EarlierPracticeFeedback.objects.create(
        audit=audit, practitioner=PersonFactory(), sent_by=auditor, stands_out="strengths",
        message="A clear chronology")
    return audit, conversation, disagreement, earlier

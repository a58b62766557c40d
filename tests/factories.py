"""factory-boy factories, one per model and per state."""

import datetime as dt

import factory
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


class PersonFactory(DjangoModelFactory):
    class Meta:
        model = Person
        skip_postgeneration_save = True

    staff_number = factory.Sequence(lambda n: f"S{n:05d}")
    full_name = factory.Faker("name", locale="en_GB")
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

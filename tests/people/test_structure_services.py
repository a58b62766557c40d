"""The structure pages (teams, services, localities, job titles) and staff records save only
through the people services, which hold the rules: unique names, a line manager in post,
no loop in line management, and only those who manage staff may change them."""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse

from auditloop.common.errors import DomainError
from auditloop.people import services
from auditloop.people.models import JobTitle, Locality, Person, Service, Team
from auditloop.people.roles import Role
from tests.factories import (
    JobTitleFactory,
    LocalityFactory,
    PersonFactory,
    ServiceFactory,
    TeamFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def actor():  # type: ignore[no-untyped-def]
    return PersonFactory(roles=[Role.QA_MANAGER]).user


# The services ----------------------------------------------------------------------------


def test_locality_names_are_unique_whatever_the_letter_case(actor):
    LocalityFactory(name="Eden")
    with pytest.raises(DomainError, match="There is already a locality called eden") as err:
        services.locality_save(actor=actor, name=" eden ")
    assert err.value.field == "name"
    assert Locality.objects.filter(name__iexact="eden").count() == 1


def test_a_renamed_locality_may_keep_its_own_name_in_another_case(actor):
    eden = LocalityFactory(name="Eden")
    services.locality_save(locality=eden, actor=actor, name="EDEN")
    eden.refresh_from_db()
    assert eden.name == "EDEN"


def test_service_names_are_unique_and_the_kind_comes_from_the_list(actor):
    ServiceFactory(name="Early Help")
    with pytest.raises(DomainError, match="There is already a service called Early help"):
        services.service_save(actor=actor, name="Early help", kind=Service.Kind.EARLY_HELP)
    with pytest.raises(DomainError, match="kind of service") as err:
        services.service_save(actor=actor, name="Fostering", kind="wizardry")
    assert err.value.field == "kind"
    saved = services.service_save(actor=actor, name="Fostering", kind=Service.Kind.FOSTERING)
    assert Service.objects.get(pk=saved.pk).kind == Service.Kind.FOSTERING


def test_team_names_are_unique_and_a_blank_name_is_refused(actor):
    team = TeamFactory(name="North Family Support")
    other = TeamFactory(name="South")
    with pytest.raises(DomainError, match="There is already a team called north family"):
        services.team_save(team=other, actor=actor, name="north family support",
                           service=other.service, locality=other.locality)
    with pytest.raises(DomainError, match="Enter the team's name"):
        services.team_save(actor=actor, name="  ", service=team.service, locality=None)
    other.refresh_from_db()
    assert other.name == "South"


def test_team_save_changes_service_locality_and_agency(actor):
    team = TeamFactory(name="Old")
    cla = ServiceFactory(name="Children in care", kind=Service.Kind.CLA)
    saved = services.team_save(team=team, actor=actor, name="Care Team", service=cla,
                               locality=None, agency=" NHS Trust ")
    team = Team.objects.get(pk=saved.pk)
    assert (team.name, team.service, team.locality, team.agency) == (
        "Care Team", cla, None, "NHS Trust")


def test_job_title_names_are_unique_and_the_roles_follow_the_title(actor):
    JobTitleFactory(name="Practice Lead")
    with pytest.raises(DomainError, match="There is already a job title called practice lead"):
        services.job_title_save(actor=actor, name="practice lead", roles=[])
    with pytest.raises(DomainError, match="roles from the list"):
        services.job_title_save(actor=actor, name="Wizard", roles=["wizard"])
    title = services.job_title_save(actor=actor, name="Lead", roles=[Role.AUDITOR])
    services.job_title_save(job_title=title, actor=actor, name="Lead",
                            roles=[Role.MODERATOR])
    assert JobTitle.objects.get(pk=title.pk).roles == {Role.MODERATOR}


def _person_fields(person: Person, **changes: object) -> dict[str, object]:
    fields: dict[str, object] = {
        "staff_number": person.staff_number, "full_name": person.full_name,
        "email": person.email, "job_title": person.job_title, "team": person.team,
        "line_manager": person.line_manager, "agency": person.agency,
        "agency_type": person.agency_type, "is_active": person.is_active, "extra_roles": [],
    }
    fields.update(changes)
    return fields


def test_a_staff_number_belongs_to_one_record(actor):
    PersonFactory(staff_number="S1")
    other = PersonFactory(staff_number="S2")
    with pytest.raises(DomainError, match="Staff number S1 is already on another") as err:
        services.person_save(person=other, actor=actor, **_person_fields(other, staff_number="S1"))
    assert err.value.field == "staff_number"


def test_a_line_manager_must_be_in_post(actor):
    left = PersonFactory(full_name="Lee Left", is_active=False)
    worker = PersonFactory()
    with pytest.raises(DomainError, match="Lee Left no longer works here") as err:
        services.person_save(person=worker, actor=actor,
                             **_person_fields(worker, line_manager=left))
    assert err.value.field == "line_manager"


def test_a_line_manager_who_has_since_left_may_stay_on_an_old_record(actor):
    boss = PersonFactory(full_name="Lee Left")
    worker = PersonFactory(line_manager=boss)
    Person.objects.filter(pk=boss.pk).update(is_active=False)
    boss.refresh_from_db()
    services.person_save(person=worker, actor=actor,
                         **_person_fields(worker, full_name="New Name", line_manager=boss))
    worker.refresh_from_db()
    assert (worker.full_name, worker.line_manager) == ("New Name", boss)


def test_a_refused_line_management_loop_leaves_the_record_unchanged(actor):
    boss = PersonFactory(full_name="Bea Boss")
    worker = PersonFactory(full_name="Wes Worker", line_manager=boss)
    with pytest.raises(DomainError, match="already managed"):
        services.person_save(person=boss, actor=actor,
                             **_person_fields(boss, full_name="Renamed", line_manager=worker))
    boss.refresh_from_db()
    assert (boss.full_name, boss.line_manager) == ("Bea Boss", None)


def test_only_those_who_manage_staff_may_change_structure_staff_absence_or_training():
    practitioner = PersonFactory(roles=[Role.PRACTITIONER])
    user = practitioner.user
    team = practitioner.team
    writes = [
        lambda: services.locality_save(actor=user, name="Eden"),
        lambda: services.service_save(actor=user, name="YJS", kind=Service.Kind.YJS),
        lambda: services.team_save(actor=user, name="New", service=team.service,
                                   locality=None),
        lambda: services.job_title_save(actor=user, name="Boss", roles=[Role.HEAD_OF_QA]),
        lambda: services.person_save(person=practitioner, actor=user,
                                     **_person_fields(practitioner, extra_roles=[Role.HEAD_OF_QA])),
        lambda: services.absence_record(person=practitioner, actor=user, kind="leave",
                                        starts_on=dt.date(2026, 3, 2),
                                        ends_on=dt.date(2026, 3, 6)),
        lambda: services.training_record(person=practitioner, actor=user, status="accredited",
                                         recorded_on=dt.date(2026, 3, 2)),
    ]
    for write in writes:
        with pytest.raises(PermissionDenied):
            write()
    assert not Locality.objects.filter(name="Eden").exists()
    assert not JobTitle.objects.filter(name="Boss").exists()
    practitioner.__dict__.pop("roles", None)
    assert Role.HEAD_OF_QA not in practitioner.roles
    assert not practitioner.absences.exists() and not practitioner.training.exists()


# The pages -------------------------------------------------------------------------------

_NEW = {
    "team": lambda: (reverse("people:structure_new", args=["team"]),
                     {"name": "north", "service": ServiceFactory().pk, "locality": "",
                      "agency": ""}),
    "service": lambda: (reverse("people:structure_new", args=["service"]),
                        {"name": "north", "kind": Service.Kind.CIN}),
    "locality": lambda: (reverse("people:structure_new", args=["locality"]),
                         {"name": "north"}),
    "job title": lambda: (reverse("people:job_title_new"), {"name": "north", "roles": []}),
}
_EXISTING = {
    "team": lambda: TeamFactory(name="North"),
    "service": lambda: ServiceFactory(name="North"),
    "locality": lambda: LocalityFactory(name="North"),
    "job title": lambda: JobTitleFactory(name="North"),
}


@pytest.mark.parametrize("noun", list(_NEW))
def test_the_page_shows_the_services_refusal_of_a_taken_name(noun, qa_manager_client):
    existing = _EXISTING[noun]()
    url, data = _NEW[noun]()
    response = qa_manager_client.post(url, data)
    assert response.status_code == 200
    body = response.content.decode()
    assert "There is a problem" in body
    assert f"There is already a {noun} called north. Choose another name" in body
    assert type(existing).objects.filter(name__iexact="north").count() == 1


@pytest.mark.parametrize("noun", list(_NEW))
def test_the_page_adds_with_a_free_name(noun, qa_manager_client):
    url, data = _NEW[noun]()
    data["name"] = "Brand New"
    response = qa_manager_client.post(url, data)
    assert response.status_code == 302
    model = {"team": Team, "service": Service, "locality": Locality, "job title": JobTitle}[noun]
    assert model.objects.filter(name="Brand New").exists()


@pytest.mark.parametrize("noun", list(_NEW))
def test_staff_without_the_capability_cannot_open_or_post_the_page(noun, role_client):
    client, _ = role_client(Role.TEAM_MANAGER)
    url, data = _NEW[noun]()
    assert client.get(url).status_code == 403
    assert client.post(url, data | {"name": "Brand New"}).status_code == 403
    assert not Locality.objects.filter(name="Brand New").exists()
    assert not Team.objects.filter(name="Brand New").exists()


@pytest.mark.parametrize("noun", list(_NEW))
def test_the_structure_pages_refuse_other_methods(noun, qa_manager_client):
    url, _ = _NEW[noun]()
    assert qa_manager_client.put(url).status_code == 405
    assert qa_manager_client.delete(url).status_code == 405


def test_the_staff_page_shows_a_taken_staff_number_and_refuses_others(
    qa_manager_client, role_client
):
    PersonFactory(staff_number="S1")
    other = PersonFactory(staff_number="S2")
    url = reverse("people:staff_edit", args=[other.pk])
    data = {"staff_number": "S1", "full_name": other.full_name, "email": "",
            "job_title": "", "team": other.team_id, "line_manager": "", "agency": "",
            "agency_type": "", "is_active": "on"}
    response = qa_manager_client.post(url, data)
    assert response.status_code == 200
    assert "Staff number S1 is already on another member of staff" in response.content.decode()
    assert Person.objects.get(pk=other.pk).staff_number == "S2"
    assert qa_manager_client.put(url).status_code == 405
    client, _ = role_client(Role.TEAM_MANAGER)
    assert client.post(url, data | {"staff_number": "S3"}).status_code == 403
    assert Person.objects.get(pk=other.pk).staff_number == "S2"

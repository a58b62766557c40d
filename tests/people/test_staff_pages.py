"""Staff, the council's structure, job titles mapped to roles, absence and training."""

import datetime as dt

import pytest
from django.urls import reverse

from auditloop.common.errors import DomainError
from auditloop.people import services
from auditloop.people.models import JobTitle, Person, Team
from auditloop.people.roles import Capability, Role
from tests.factories import (
    AuditorTrainingFactory,
    JobTitleFactory,
    PersonFactory,
    TeamFactory,
    job_title_with_roles,
)

pytestmark = pytest.mark.django_db


def _person_form(person: Person, **changes: object) -> dict[str, object]:
    data: dict[str, object] = {
        "staff_number": person.staff_number, "full_name": person.full_name,
        "email": person.email, "job_title": person.job_title_id or "",
        "team": person.team_id or "", "line_manager": person.line_manager_id or "",
        "agency": person.agency, "agency_type": person.agency_type, "is_active": "on",
    }
    data.update(changes)
    return data


def test_a_line_management_loop_is_refused_with_a_clear_message(qa_manager_client):
    boss = PersonFactory(full_name="Bea Boss")
    middle = PersonFactory(full_name="Mo Middle", line_manager=boss)
    worker = PersonFactory(full_name="Wes Worker", line_manager=middle)
    response = qa_manager_client.post(
        reverse("people:staff_edit", args=[boss.pk]), _person_form(boss, line_manager=worker.pk)
    )
    assert response.status_code == 200
    body = response.content.decode()
    assert "There is a problem" in body and "<title>Error:" in body
    assert "Wes Worker is already managed (directly or further down) by Bea Boss" in body
    boss.refresh_from_db()
    assert boss.line_manager is None


def test_someone_cannot_manage_themselves():
    p = PersonFactory()
    with pytest.raises(DomainError, match="own line manager"):
        services.person_set_line_manager(person=p, manager=p)


def test_qa_manager_adds_a_member_of_staff_with_extra_roles(qa_manager_client):
    team = TeamFactory()
    title = job_title_with_roles("Team Manager", Role.TEAM_MANAGER)
    response = qa_manager_client.post(reverse("people:staff_new"), {
        "staff_number": "N1", "full_name": "New Person", "email": "", "job_title": title.pk,
        "team": team.pk, "line_manager": "", "agency": "", "agency_type": "",
        "is_active": "on", "extra_roles": [Role.AUDITOR],
    })
    assert response.status_code == 302
    person = Person.objects.get(staff_number="N1")
    assert person.roles == {Role.TEAM_MANAGER, Role.AUDITOR}


def test_job_title_roles_give_capabilities(qa_manager_client):
    title = JobTitleFactory(name="Practice Lead")
    response = qa_manager_client.post(
        reverse("people:job_title_edit", args=[title.pk]),
        {"name": "Practice Lead", "roles": [Role.AUDITOR, Role.MODERATOR]},
    )
    assert response.status_code == 302
    person = PersonFactory(job_title=title)
    assert person.user.has_capability(Capability.MODERATE)
    assert person.user.has_capability(Capability.AUDIT)
    assert not person.user.has_capability(Capability.VIEW_ALL_CASES)


def test_teams_services_and_localities_are_data_the_council_edits(qa_manager_client):
    team = TeamFactory(name="Old name")
    response = qa_manager_client.post(
        reverse("people:structure_edit", args=["team", team.pk]),
        {"name": "North Family Support", "service": team.service_id,
         "locality": team.locality_id, "agency": ""},
    )
    assert response.status_code == 302
    assert Team.objects.get(pk=team.pk).name == "North Family Support"
    response = qa_manager_client.post(reverse("people:structure_new", args=["locality"]),
                                      {"name": "Eden"})
    assert response.status_code == 302
    assert qa_manager_client.get(reverse("people:structure_new", args=["nonsense"])
                                 ).status_code == 404
    body = qa_manager_client.get(reverse("people:structure")).content.decode()
    assert "North Family Support" in body and "Eden" in body


def test_absence_must_end_after_it_starts(qa_manager_client):
    person = PersonFactory()
    response = qa_manager_client.post(reverse("people:absence_new", args=[person.pk]), {
        "kind": "sickness", "starts_on": "2026-05-10", "ends_on": "2026-05-01"})
    assert response.status_code == 200
    assert "last day of absence must be on or after the first day" in response.content.decode()
    response = qa_manager_client.post(reverse("people:absence_new", args=[person.pk]), {
        "kind": "sickness", "starts_on": "2026-05-01", "ends_on": "2026-05-10"})
    assert response.status_code == 302
    absence = person.absences.get()
    assert absence.overlaps(dt.date(2026, 5, 10), dt.date(2026, 6, 1))
    assert not absence.overlaps(dt.date(2026, 5, 11), dt.date(2026, 6, 1))


def test_auditor_training_record_keeps_its_history(qa_manager_client):
    person = PersonFactory()
    AuditorTrainingFactory(person=person, status="shadowing", recorded_on=dt.date(2026, 1, 1))
    qa_manager_client.post(reverse("people:training_new", args=[person.pk]), {
        "status": "accredited", "recorded_on": "2026-04-01", "note": "Audit champion"})
    body = qa_manager_client.get(reverse("people:staff_detail", args=[person.pk])).content.decode()
    assert "Accredited (audit champion) on 1 April 2026" in body
    assert "Shadowing on 1 January 2026" in body


def test_a_manager_sees_their_reports_record_but_not_others(role_client):
    client, tm = role_client(Role.TEAM_MANAGER)
    report = PersonFactory(line_manager=tm)
    stranger = PersonFactory()
    assert client.get(reverse("people:staff_detail", args=[report.pk])).status_code == 200
    assert client.get(reverse("people:staff_detail", args=[tm.pk])).status_code == 200
    assert client.get(reverse("people:staff_detail", args=[stranger.pk])).status_code == 404


def test_partner_agency_staff_see_nothing_of_other_staff(role_client):
    client, hv = role_client(Role.PARTNER_AGENCY_LEAD, agency="Health visiting")
    assert client.get(reverse("people:staff_list")).status_code == 403
    assert client.get(reverse("people:staff_detail", args=[PersonFactory().pk])
                      ).status_code == 404


@pytest.mark.parametrize("n", [3, 30])
def test_staff_list_query_count_is_pinned(n, qa_manager_client, django_assert_max_num_queries):
    title = job_title_with_roles("Social Worker", Role.PRACTITIONER)
    for _ in range(n):
        AuditorTrainingFactory(person=PersonFactory(job_title=title, roles=[Role.AUDITOR]))
    with django_assert_max_num_queries(14):
        response = qa_manager_client.get(reverse("people:staff_list"))
    assert response.status_code == 200
    assert JobTitle.objects.count() == 1


def test_qa_manager_gives_staff_a_sign_in_linked_to_microsoft(qa_manager_client, settings):
    person = PersonFactory(user=None)
    data = _person_form(person, username="wren.p", entra_subject="sub-123")
    response = qa_manager_client.post(reverse("people:staff_edit", args=[person.pk]), data)
    assert response.status_code == 302
    person.refresh_from_db()
    assert person.user.username == "wren.p"
    assert not person.user.has_usable_password()
    assert (person.user.oidc_issuer, person.user.oidc_subject) == (
        settings.ENTRA_SERVER_URL, "sub-123")


def test_a_taken_sign_in_name_or_microsoft_identity_is_refused(qa_manager_client):
    PersonFactory(user__username="taken")
    other = PersonFactory(user__username="other")
    other.user.oidc_issuer, other.user.oidc_subject = "iss", "sub-9"
    person = PersonFactory(user=None)
    response = qa_manager_client.post(reverse("people:staff_edit", args=[person.pk]),
                                      _person_form(person, username="taken"))
    assert "The sign-in name taken is taken" in response.content.decode()
    person.refresh_from_db()
    assert person.user is None

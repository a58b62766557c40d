"""The audits behind a report's figure: the count always equals the figure's, the list shows
only the audits the reader could open from the audit page, and every one listed is logged."""

from __future__ import annotations

import datetime as dt

import pytest
from django.http import Http404
from django.urls import reverse
from django.utils import timezone

from auditloop.audits.models import Audit
from auditloop.audits.selectors import get_audit_for_user, openable_audit_ids
from auditloop.common.models import AccessLog
from auditloop.insight import drill, figures, sections
from auditloop.insight.document import Figures, Table
from auditloop.people.roles import Role
from auditloop.standards.models import FrameworkSettings
from tests.factories import (
    CaseFactory,
    InvolvementFactory,
    PersonFactory,
    ServiceFactory,
    TeamFactory,
    finish_audit,
    make_audit,
)

pytestmark = pytest.mark.django_db
MARCH = figures.Scope(start=dt.date(2026, 3, 1), end=dt.date(2026, 3, 31))
URL = reverse("insight:audits")
GOOD = {"outstanding", "good"}


def at(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(11)))


def graded(grade: str, day: dt.date, *, team=None, manager=None, impact: int | None = None,
           to: str = "submitted", **case) -> Audit:  # type: ignore[no-untyped-def]
    case.setdefault("key_worker", PersonFactory())
    audit = finish_audit(make_audit(case=CaseFactory(
        team=team or TeamFactory(), team_manager=manager, **case)), grade=grade, to=to)
    Audit.objects.filter(pk=audit.pk).update(submitted_at=at(day), impact_score=impact)
    return audit


@pytest.fixture
def march():  # type: ignore[no-untyped-def]
    """Two teams' March audits, one team manager's, and audits the figures leave out."""
    north, south = TeamFactory(name="North"), TeamFactory(name="South")
    manager = PersonFactory(team=north, roles=[Role.TEAM_MANAGER, Role.SENIOR_LEADER])
    mine = [graded("good", dt.date(2026, 3, 2), team=north, manager=manager, impact=7),
            graded("outstanding", dt.date(2026, 3, 9), team=north, manager=manager, impact=9),
            graded("inadequate", dt.date(2026, 3, 30), team=north, manager=manager)]
    others = [graded("requires_improvement", dt.date(2026, 3, 16), team=south, impact=4),
              graded("good", dt.date(2026, 3, 20), team=south, impact=6)]
    graded("good", dt.date(2026, 2, 27), team=north, manager=manager)  # February
    graded("good", dt.date(2026, 4, 1), team=north, manager=manager)  # April
    withdrawn = make_audit(case=CaseFactory(team=north, team_manager=manager))
    Audit.objects.filter(pk=withdrawn.pk).update(status=Audit.Status.WITHDRAWN,
                                                 submitted_at=at(dt.date(2026, 3, 5)),
                                                 final_grade="good")
    return {"manager": manager, "mine": mine, "others": others, "north": north}


def cells(scope: figures.Scope):  # type: ignore[no-untyped-def]
    """Every cell of the report's 'What the audits found' that names its audits."""
    section = sections.found(scope, figures.graded_audits(scope))
    for block in section.blocks:
        if isinstance(block, Figures):
            yield from (cell for _, cell in block.rows if cell.drill)
        elif isinstance(block, Table):
            yield from (cell for row in block.rows for cell in row if cell.drill)


# ------------------------------------------------------------------ which audits


def test_every_figure_counts_the_audits_behind_it(march):  # type: ignore[no-untyped-def]
    for scope in (MARCH, figures.Scope(start=MARCH.start, end=MARCH.end,
                                       team_id=march["north"].pk)):
        seen = 0
        for cell in cells(scope):
            behind = drill.audits_behind(cell.drill)
            # A share counts its k audits; the impact score is a mean of its n audits.
            expected = cell.n if "impact" in cell.drill else cell.k
            assert len(behind) == expected, cell
            assert set(behind) <= {a.id for a in figures.graded_audits(scope)}
            seen += 1
        assert seen >= 4
    everything = drill.audits_behind(sections.drill(MARCH))
    assert everything == [a.id for a in figures.graded_audits(MARCH)]
    assert len(everything) == 5
    good = drill.audits_behind(sections.drill(MARCH, good="1"))
    assert len(good) == figures.good_or_better(figures.graded_audits(MARCH)).k == 3


def test_the_page_says_how_many_the_figure_counts(march, role_client):  # type: ignore[no-untyped-def]
    client, _ = role_client(Role.QA_MANAGER)
    response = client.get(URL, sections.drill(MARCH, good="1"))
    assert response.status_code == 200
    html = response.content.decode()
    assert "This figure counts 3 audits." in html
    assert "Graded good or better" in html
    good = [a for a in march["mine"] + march["others"] if a.final_grade in GOOD]
    assert len(good) == 3
    for audit in Audit.objects.all():
        assert (f">Audit {audit.pk}<" in html) == (audit in good)
    assert "Requires improvement" not in html
    # Nothing of the child: no case reference, only the audit's own facts.
    assert all(a.case.reference not in html for a in Audit.objects.select_related("case"))


# ------------------------------------------------------------------ who sees them


def test_a_team_manager_sees_only_their_teams_audits_listed(march, client_for):  # type: ignore[no-untyped-def]
    # A team manager who also reads reports (the team manager's role alone does not).
    client = client_for(march["manager"])
    html = client.get(URL, sections.drill(MARCH)).content.decode()
    assert "This figure counts 5 audits." in html
    for audit in march["mine"]:
        assert f">Audit {audit.pk}<" in html
    for audit in march["others"]:
        assert f">Audit {audit.pk}<" not in html
    assert "2 more audits are counted in this figure; your role does not open them." in html
    assert set(AccessLog.objects.values_list("object_id", flat=True)) == {
        str(a.pk) for a in march["mine"]}


def test_a_senior_leader_sees_the_count_and_no_audit(march, role_client):  # type: ignore[no-untyped-def]
    client, _ = role_client(Role.SENIOR_LEADER)
    response = client.get(URL, sections.drill(MARCH))
    html = response.content.decode()
    assert response.status_code == 200
    assert "This figure counts 5 audits." in html
    assert "not children&#39;s case records" in html or "not children's case records" in html
    assert "/audits/" not in html.split('id="drill-count"')[1].split("Back to")[0]
    assert not any(f">Audit {a.pk}<" in html for a in Audit.objects.all())
    assert not AccessLog.objects.exists()


def test_each_audit_listed_is_logged_and_only_those(march, role_client, monkeypatch):  # type: ignore[no-untyped-def]
    monkeypatch.setattr(drill, "PAGE_SIZE", 2)
    client, person = role_client(Role.QA_MANAGER)
    first = client.get(URL, sections.drill(MARCH)).content.decode()
    logged = list(AccessLog.objects.filter(user=person.user).values_list(
        "object_type", "object_id", "path"))
    # Newest first: the 30th (North) and the 20th (South) of March.
    expected = {str(a.pk) for a in (march["mine"][2], march["others"][1])}
    assert {(t, i) for t, i, _ in logged} == {("audit", i) for i in expected}
    assert all(path == URL for *_, path in logged)  # ids and keys only, never in the path
    assert "Page 1 of 3" in first and "page=2" in first
    second = client.get(URL, {**sections.drill(MARCH), "page": "2"}).content.decode()
    assert "Page 2 of 3" in second
    assert AccessLog.objects.filter(user=person.user).count() == 4


QUERIES = 19  # +1: the session's own row (people.UserSession)


def test_the_page_runs_a_fixed_number_of_queries(march, role_client, client_for,  # type: ignore[no-untyped-def]
                                                 django_assert_max_num_queries):
    query = sections.drill(MARCH, team=march["north"].pk, tool="002-six-key-areas")
    client, _ = role_client(Role.QA_MANAGER)
    with django_assert_max_num_queries(QUERIES):
        assert client.get(URL, query).status_code == 200
    for _ in range(3):
        graded("good", dt.date(2026, 3, 12), team=march["north"], manager=march["manager"])
    manager = client_for(march["manager"])
    with django_assert_max_num_queries(QUERIES):
        response = manager.get(URL, query)
    assert response.status_code == 200 and "This figure counts 6 audits." in (
        response.content.decode())


# ------------------------------------------------------------------ bad links


@pytest.mark.parametrize(("change", "message"), [
    ({"start": "March"}, "Enter the first day as year, month and day"),
    ({"end": None}, "Enter the last day of the period"),
    ({"end": "2026-02-01"}, "The last day must be on or after the first day"),
    ({"team": "999999"}, "There is no team with that number"),
    ({"team": "north"}, "There is no team with that number"),
    ({"tool": "no-such-tool"}, "There is no audit tool with that key"),
    ({"good": "yes"}, "Good or better can only be 1"),
    ({"grade": "<b>"}, "A grade is named by its key"),
])
def test_a_link_that_cannot_be_read_says_what_is_wrong(change, message, role_client):  # type: ignore[no-untyped-def]
    client, _ = role_client(Role.QA_MANAGER)
    query = {**sections.drill(MARCH), **change}
    response = client.get(URL, {k: v for k, v in query.items() if v is not None})
    assert response.status_code == 400
    html = response.content.decode()
    assert "govuk-error-summary" in html and message in html
    assert not AccessLog.objects.exists()


def test_readers_of_reports_only_and_get_only(role_client):  # type: ignore[no-untyped-def]
    client, _ = role_client(Role.TEAM_MANAGER)
    assert client.get(URL, sections.drill(MARCH)).status_code == 403
    client, _ = role_client(Role.QA_MANAGER)
    assert client.post(URL).status_code == 405


# ------------------------------------------------------------------ the audit page's rule


@pytest.mark.parametrize("sees", [FrameworkSettings.PractitionerSees.ON_SUBMIT,
                                  FrameworkSettings.PractitionerSees.AFTER_QA_MEETING])
def test_the_list_opens_what_the_audit_page_opens(sees):  # type: ignore[no-untyped-def]
    """openable_audit_ids answers for a whole list what get_audit_for_user answers for one audit."""
    from tests.moderation.factories import cycle_of, review_of, set_framework

    set_framework(practitioner_sees_audit=sees)
    service = ServiceFactory(name="Children in Care")
    team = TeamFactory(name="Fostering", service=service)
    manager = PersonFactory(team=team, roles=[Role.TEAM_MANAGER])
    worker = PersonFactory(team=team, line_manager=manager, roles=[Role.PRACTITIONER])
    sm = PersonFactory(team=team, roles=[Role.SERVICE_MANAGER])
    manager.line_manager = sm
    manager.save(update_fields=["line_manager"])
    held = graded("good", dt.date(2026, 3, 3), team=team, key_worker=worker)
    held.refresh_from_db()
    managed = graded("inadequate", dt.date(2026, 3, 4), team=team, manager=manager,
                     to="discussed")
    involved = graded("good", dt.date(2026, 3, 5))
    InvolvementFactory(case=involved.case, person=worker)
    stranger = graded("good", dt.date(2026, 3, 6))
    _, (moderated,) = cycle_of(1, year=2026, number=3)
    psw = PersonFactory(roles=[Role.PRINCIPAL_SOCIAL_WORKER, Role.MODERATOR])
    moderator = PersonFactory(roles=[Role.MODERATOR])
    review_of(moderated, psw)  # the PSW grades it blind: not even seeing every case lets in
    Audit.objects.filter(pk=stranger.pk).update(status=Audit.Status.IN_MODERATION)
    auditor = moderated.assignments.get().person
    readers = [manager, worker, sm, psw, moderator, auditor,
               PersonFactory(roles=[Role.QA_MANAGER]),
               PersonFactory(roles=[Role.SENIOR_MANAGER], team=team),
               PersonFactory(roles=[Role.ASSISTANT_DIRECTOR])]
    ids = [a.pk for a in Audit.objects.all()]
    assert len(ids) >= 5
    for person in readers:
        user = person.user
        expected = set()
        for pk in ids:
            try:
                get_audit_for_user(user, pk)
            except Http404:
                continue
            expected.add(pk)
        assert openable_audit_ids(user, ids) == expected, person.role_labels()
    assert moderated.pk not in openable_audit_ids(psw.user, ids)
    on_submit = sees == FrameworkSettings.PractitionerSees.ON_SUBMIT
    assert (held.pk in openable_audit_ids(worker.user, ids)) == on_submit
    assert (involved.pk in openable_audit_ids(worker.user, ids)) == on_submit
    assert managed.pk in openable_audit_ids(manager.user, ids)  # discussed: seen either way
    assert managed.pk in openable_audit_ids(sm.user, ids)  # the manager's manager
    assert openable_audit_ids(PersonFactory(roles=[Role.SENIOR_LEADER]).user, ids) == set()

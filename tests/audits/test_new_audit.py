"""The QA manager creates an audit by hand: a case chosen by its reference (sent by POST, so
no child's reference sits in a URL), a case-audit tool's latest version, one or two auditors
who were never involved with the case, a due date, a reason, the whole family or not."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.urls import reverse

from auditloop.audits.models import Audit
from auditloop.cases.models import Involvement
from auditloop.people.roles import Role
from auditloop.standards.selectors import framework_settings_row
from tests.factories import (
    CaseFactory,
    InvolvementFactory,
    PersonFactory,
    shipped_tool_version,
)

pytestmark = pytest.mark.django_db
URL = "/audits/new"


@pytest.fixture(autouse=True)
def first_of_july():  # type: ignore[no-untyped-def]
    """Due dates are checked against today: today is 1 July 2026 here."""
    with time_machine.travel(dt.datetime(2026, 7, 1, 9, tzinfo=dt.UTC), tick=False):
        yield


@pytest.fixture
def tools() -> None:
    for key in ("002-six-key-areas", "003-tier-2-caf-toolkit", "003-tier-1-quality-control",
                "001-perspective-of-worker"):
        shipped_tool_version(key)
    row = framework_settings_row()
    row.tools = ["003-tier-2-caf-toolkit", "003-tier-1-quality-control"]
    row.save()


@pytest.fixture
def qa(role_client):  # type: ignore[no-untyped-def]
    return role_client(Role.QA_MANAGER)


def form(case, first, second=None, **extra):  # type: ignore[no-untyped-def]
    data = {"reference": case.reference, "tool": "003-tier-2-caf-toolkit", "kind": "requested",
            "first_auditor": first.pk, "second_auditor": second.pk if second else "",
            "due_day": "31", "due_month": "7", "due_year": "2026",
            "reason": "Asked for by the service manager"}
    data.update(extra)
    return data


def test_the_qa_manager_creates_an_audit_for_a_pair(qa, tools):
    client, manager = qa
    first, second = PersonFactory(roles=["auditor"]), PersonFactory(roles=["team_manager"])
    row = framework_settings_row()
    row.auditor_roles = ["auditor", "team_manager"]
    row.save()
    case = CaseFactory(family_identifier="FAM-5")
    response = client.post(URL, form(case, first, second, covers_family="on"))
    assert response.status_code == 302
    audit = Audit.objects.get()
    assert response["Location"] == reverse("audits:audit_detail", args=[audit.pk])
    assert case.reference not in response["Location"]
    assert audit.case == case and audit.covers_family
    assert audit.tool_version.tool.key == "003-tier-2-caf-toolkit"
    assert audit.kind == Audit.Kind.REQUESTED and audit.status == Audit.Status.ALLOCATED
    assert audit.due_on == dt.date(2026, 7, 31)
    assert audit.reason == "Asked for by the service manager"
    assert audit.created_by == manager
    assert [a.person for a in audit.assignments.order_by("id")] == [first, second]
    assert all(a.assigned_by == manager for a in audit.assignments.all())
    page = client.get(response["Location"]).content.decode()
    assert f"Audit created: {first.full_name} and {second.full_name} can start it now." in page


def test_the_form_offers_the_frameworks_tools_first_and_any_case_audit_tool(qa, tools):
    client, _ = qa
    page = client.get(URL).content.decode()
    caf = page.index("Tier 2 (full) case file audit toolkit (CAF) (version 1)")
    six = page.index("Case audit on the six key audit areas (version 1), not one of the "
                     "framework&#39;s tools")
    assert caf < six
    assert "Tier 1" not in page and "Perspective of Worker" not in page
    assert 'name="reference"' in page and 'method="post"' in page


def test_a_child_reference_finds_the_case_too(qa, tools):
    client, _ = qa
    case = CaseFactory(child_identifier="CH-123")
    response = client.post(URL, form(case, PersonFactory(roles=["auditor"]),
                                     reference="ch-123"))
    assert response.status_code == 302
    assert Audit.objects.get().case == case


def test_nobody_ever_involved_with_the_case_may_audit_it(qa, tools):
    client, _ = qa
    case = CaseFactory()
    earlier = PersonFactory(roles=["auditor"], full_name="Ash Earlier")
    InvolvementFactory(case=case, person=earlier, role=Involvement.Role.KEY_WORKER,
                       started_on=dt.date(2024, 1, 1), ended_on=dt.date(2024, 6, 1))
    response = client.post(URL, form(case, PersonFactory(roles=["auditor"]), earlier))
    assert response.status_code == 400
    page = response.content.decode()
    assert "<title>Error:" in page
    assert ('<a href="#id_second_auditor">Ash Earlier was involved with the case (key '
            "worker / lead professional), so cannot audit it. Choose someone else</a>") in page
    assert not Audit.objects.exists()


def test_for_the_whole_family_nobody_involved_with_a_sibling_either(qa, tools):
    client, _ = qa
    case = CaseFactory(family_identifier="FAM-7")
    sibling = CaseFactory(family_identifier="FAM-7", reference="SIB-1")
    auditor = PersonFactory(roles=["auditor"], full_name="Bo Sibling")
    InvolvementFactory(case=sibling, person=auditor)
    assert client.post(URL, form(case, auditor)).status_code == 302  # the one child only
    response = client.post(URL, form(case, auditor, covers_family="on"))
    assert "Bo Sibling holds case SIB-1 in the same family" in \
        response.content.decode()


def test_001_no_manager_audits_their_own_practitioners_case_whatever_the_depth(qa, tools):
    client, _ = qa
    manager = PersonFactory(roles=["team_manager"], full_name="Max Manager")
    worker = PersonFactory(line_manager=manager, full_name="Wren Worker")
    case = CaseFactory(key_worker=worker)
    row = framework_settings_row()
    row.auditor_roles = ["auditor", "team_manager"]
    for depth in (0, 1):  # 0 is no longer "no rule": direct reports are always barred
        row.conflict_line_management_depth = depth
        row.save()
        response = client.post(URL, form(case, manager))
        assert response.status_code == 400
        assert ("Max Manager line-manages Wren Worker, who holds the case, so cannot audit "
                "it") in response.content.decode()
    assert not Audit.objects.exists()


def test_the_form_says_what_is_wrong(qa, tools):
    client, _ = qa
    auditor = PersonFactory(roles=["auditor"])
    CaseFactory(family_identifier="FAM-9")
    case = CaseFactory()
    cases = [
        ({"reference": "NOPE"}, "No case has this reference: check it against the case "
                                "register"),
        ({"reference": "FAM-9"}, "This is a family reference"),
        ({"second_auditor": auditor.pk}, "Choose a different second auditor, or none"),
        ({"due_day": "", "due_month": "", "due_year": ""}, "Enter the date the audit is due"),
        ({"due_day": "31", "due_month": "6", "due_year": "2026"},
         "The due date must be a real date"),
        ({"due_day": "30", "due_month": "6", "due_year": "2026"},
         "The due date must be today or in the future"),
        ({"reason": ""}, "Enter why the case is being audited"),
        ({"reference": ""}, "Enter the case reference"),
        ({"first_auditor": ""}, "Choose the auditor"),
        ({"tool": "003-tier-1-quality-control"}, "Choose one of the audit tools"),
    ]
    for change, message in cases:
        response = client.post(URL, form(case, auditor, **change))
        assert response.status_code == 400, change
        assert message in response.content.decode(), change
    assert not Audit.objects.exists()


def test_only_the_pool_of_auditors_is_offered(qa, tools):
    client, _ = qa
    PersonFactory(roles=["auditor"], full_name="Alex Auditor")
    practitioner = PersonFactory(roles=["practitioner"], full_name="Pip Practitioner")
    page = client.get(URL).content.decode()
    assert "Alex Auditor" in page and "Pip Practitioner" not in page
    response = client.post(URL, form(CaseFactory(), practitioner))
    assert response.status_code == 400


def test_only_those_who_run_the_cycle_create_audits(role_client, tools):
    for role in (Role.AUDITOR, Role.TEAM_MANAGER, Role.EARLY_HELP_OFFICER, Role.DIRECTOR):
        client, _ = role_client(role)
        assert client.get(URL).status_code == 403, role
        assert client.post(URL, {}).status_code == 403, role
    client, _ = role_client(Role.HEAD_OF_QA)
    assert client.get(URL).status_code == 200


def test_the_new_audit_page_refuses_other_methods(qa):
    client, _ = qa
    assert client.put(URL).status_code == 405
    assert client.delete(URL).status_code == 405

"""Each role's reach (need to know), as the user guide's table says and as the pages do:
Early Help Officers see Early Help cases only; the guide's table matches the code."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.urls import reverse

from auditloop.audits.selectors import openable_audit_ids
from auditloop.cases.selectors import cases_for_user
from auditloop.people.models import Service
from auditloop.people.roles import Role, case_reach
from tests.factories import CaseFactory, ServiceFactory, make_audit

GUIDE = Path(__file__).resolve().parents[2] / "docs" / "user-guide.md"


def test_the_user_guides_table_says_what_each_role_reaches():
    text = GUIDE.read_text()
    table = text.split("## Who sees which records", 1)[1].split("\n## ", 1)[0]
    rows = {m.group(1).strip(): m.group(2).strip()
            for m in re.finditer(r"^\| ([^|]+) \| ([^|]+) \|", table, re.M)}
    for role in Role:
        assert rows.get(role.label) == case_reach(role), role.label


@pytest.mark.django_db
def test_an_early_help_officer_sees_early_help_cases_and_nothing_else(role_client):
    client, person = role_client(Role.EARLY_HELP_OFFICER)
    early_help = CaseFactory()
    protection = CaseFactory(service=ServiceFactory(name="Child Protection",
                                                    kind=Service.Kind.CP))
    looked_after = CaseFactory(service=ServiceFactory(name="Children in Care",
                                                      kind=Service.Kind.CLA))
    assert set(cases_for_user(user=person.user)) == {early_help}
    page = client.get(reverse("cases:case_list")).content.decode()
    assert early_help.reference in page
    assert protection.reference not in page and looked_after.reference not in page
    assert client.get(reverse("cases:case_detail", args=[early_help.pk])).status_code == 200
    for case in (protection, looked_after):
        assert client.get(reverse("cases:case_detail", args=[case.pk])).status_code == 404

    ours, theirs = make_audit(case=early_help), make_audit(case=protection)
    assert client.get(reverse("audits:audit_detail", args=[ours.pk])).status_code == 200
    assert client.get(reverse("audits:audit_detail", args=[theirs.pk])).status_code == 404
    assert openable_audit_ids(person.user, [ours.pk, theirs.pk]) == {ours.pk}


@pytest.mark.django_db
def test_an_early_help_officer_allocated_a_social_care_audit_sees_that_audit(role_client):
    client, person = role_client(Role.EARLY_HELP_OFFICER)
    protection = CaseFactory(service=ServiceFactory(name="Child Protection",
                                                    kind=Service.Kind.CP))
    audit = make_audit(case=protection, auditors=[person])
    assert client.get(reverse("audits:audit_detail", args=[audit.pk])).status_code == 200


@pytest.mark.django_db
def test_the_qa_manager_still_sees_every_case(role_client):
    client, person = role_client(Role.QA_MANAGER)
    protection = CaseFactory(service=ServiceFactory(name="Child Protection",
                                                    kind=Service.Kind.CP))
    assert client.get(reverse("cases:case_detail", args=[protection.pk])).status_code == 200

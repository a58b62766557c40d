"""Whether a tool's wording comes from its seed is the QA manager's business on the tool
pages: an auditor doing a live audit never reads "Not from the seed". Every page an auditor
sees in a realistic audit is walked, for each shipped tool an auditor completes: their audit
list, the audit, every section, the overall grade, the conversations, the check before
submitting, the submitted audit and its feedback."""

from __future__ import annotations

import re

import pytest
from django.test import Client
from django.urls import reverse

from auditloop.audits.models import Audit
from auditloop.audits.submission import Sheet
from auditloop.people.roles import Role
from auditloop.standards.services import preset_apply
from tests.factories import CaseFactory, PersonFactory, complete_audit, finish_audit, make_audit

pytestmark = pytest.mark.django_db
SEED_WARNING = re.compile(r"not from (the|its) seed", re.IGNORECASE)
# The tools an auditor fills in (001's Perspective of Worker is the practitioner's form and
# 003's Tier 1 checklist is the QA team's).
AUDITOR_TOOLS = ["000-eha-quality-standards", "001-early-help-case-audit",
                 "002-six-key-areas", "003-tier-2-caf-toolkit", "004-focus-areas"]


def _pages_while_auditing(client: Client, audit: Audit) -> list[str]:
    urls = [reverse("audits:audit_list"), reverse("audits:audit_detail", args=[audit.pk])]
    urls += [reverse("audits:audit_section", args=[audit.pk, s["key"]])
             for s in Sheet.for_audit(audit).sections]
    urls += [reverse("audits:audit_overall", args=[audit.pk]),
             reverse("audits:voices", args=[audit.pk]),
             reverse("audits:audit_check", args=[audit.pk])]
    return urls


def _read(client: Client, url: str) -> str:
    response = client.get(url)
    # A section that does not apply to this case may send the auditor back to the audit.
    assert response.status_code in (200, 302), (url, response.status_code)
    return response.content.decode() if response.status_code == 200 else ""


@pytest.mark.parametrize("tool_key", AUDITOR_TOOLS)
def test_no_page_an_auditor_sees_says_not_from_the_seed(tool_key, client_for):  # type: ignore[no-untyped-def]
    preset_apply(key="002-six-key-areas")  # the practice sees the audit once submitted
    auditor = PersonFactory(roles=[Role.AUDITOR])
    tm = PersonFactory(roles=[Role.TEAM_MANAGER])
    case = CaseFactory(key_worker=PersonFactory(roles=[Role.PRACTITIONER], line_manager=tm),
                       team_manager=tm)
    audit = make_audit(case=case, auditors=[auditor], tool_key=tool_key)
    client = client_for(auditor)
    seen: dict[str, str] = {}

    for url in _pages_while_auditing(client, audit):
        seen[url] = _read(client, url)
    complete_audit(audit, auditor)
    for url in _pages_while_auditing(client, audit):  # with every answer given
        seen[url + "#answered"] = _read(client, url)
    finish_audit(audit, to="submitted", actor=auditor)
    for url in (reverse("audits:audit_detail", args=[audit.pk]),
                reverse("audits:feedback", args=[audit.pk])):
        seen[url + "#submitted"] = _read(client, url)
    qa = client_for(PersonFactory(roles=[Role.QA_MANAGER]))
    qa.post(reverse("audits:feedback_send", args=[audit.pk]))
    for url in (reverse("audits:audit_detail", args=[audit.pk]),
                reverse("audits:feedback", args=[audit.pk]), reverse("audits:audit_list")):
        seen[url + "#feedback"] = _read(client, url)

    assert sum(1 for page in seen.values() if page) >= 8
    # The walk really shows the tool: every section's title is on the audit's page.
    assert all(s["title"] in seen[reverse("audits:audit_detail", args=[audit.pk])]
               .replace("&amp;", "&").replace("&#39;", "'")
               for s in Sheet.for_audit(audit).sections if not s.get("applies_when"))
    warned = [url for url, page in seen.items() if SEED_WARNING.search(page)]
    assert not warned, f"an auditor reads “Not from the seed” on {warned}"

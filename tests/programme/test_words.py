"""The cycle's pages in the council's words: marking an auditor absent is an action, named
for the person to screen readers; a section's heading is said once, not again as its
table's hidden caption (every template is read for that)."""

from __future__ import annotations

import html
import re
from fnmatch import fnmatch
from pathlib import Path

import pytest

from auditloop.audits.models import SupervisionItem
from auditloop.programme import services
from tests.factories import PersonFactory
from tests.programme.conftest import set_framework
from tests.programme.test_allocation import confirmed_cycle
from tests.programme.test_views import url

SRC = Path(__file__).resolve().parents[2] / "src" / "auditloop"
# Templates other changes are rewording at the same time: checked once those land.
NOT_YET = {"standards/*"}


@pytest.fixture
def qa(role_client):  # type: ignore[no-untyped-def]
    from auditloop.people.roles import Role

    return role_client(Role.QA_MANAGER)


@pytest.fixture
def allocated(framework, council, auditors, fake_solver):  # type: ignore[no-untyped-def]
    set_framework(allocation_unit="singles")
    auditors(3)
    cycle = confirmed_cycle(council["cases"][:3])
    services.allocation_confirm(run=services.allocation_propose(cycle=cycle, actor=None),
                                actor=None)
    return cycle


@pytest.mark.django_db
def test_marking_an_auditor_absent_is_an_action_named_for_them(qa, allocated):  # type: ignore[no-untyped-def]
    client, _ = qa
    body = client.get(url("cycle_detail", allocated.pk)).content.decode()
    links = re.findall(r'<a [^>]*href="[^"]*/absent"[^>]*>(.*?)</a>', body, re.S)
    assert links, "the cycle page offers to mark each auditor absent"
    people = {a.person.full_name for a in _assignments(allocated)}
    for link in links:
        visible = re.sub(r'<span class="govuk-visually-hidden">.*?</span>', "", link)
        hidden = html.unescape(re.search(r'govuk-visually-hidden">(.*?)</span>', link).group(1))
        assert visible.strip() == "Mark as absent"
        assert any(name in hidden for name in people), hidden
    assert ">Absent<" not in body


def _assignments(cycle):  # type: ignore[no-untyped-def]
    from auditloop.audits.models import AuditAssignment

    return AuditAssignment.objects.filter(
        audit__in=cycle.cases.exclude(audit=None).values("audit")).select_related("person")


@pytest.mark.django_db
def test_the_follow_ups_heading_is_said_once(qa, framework, council, auditors,  # type: ignore[no-untyped-def]
                                             fake_solver):
    client, _ = qa
    set_framework(allocation_unit="singles")
    auditors(2)
    may = confirmed_cycle(council["cases"][:1], number=5)
    (audit,) = services.allocation_confirm(
        run=services.allocation_propose(cycle=may, actor=None), actor=None)
    SupervisionItem.objects.create(supervisor=PersonFactory(), audit=audit,
                                   reason=SupervisionItem.Reason.REQUIRES_IMPROVEMENT)
    june = confirmed_cycle(council["cases"][1:2], number=6)
    services.allocation_confirm(run=services.allocation_propose(cycle=june, actor=None),
                                actor=None)
    body = client.get(url("meeting", june.pk)).content.decode()
    assert body.count("Follow-ups from the last cycle") == 1
    assert 'aria-labelledby="follow-ups-title"' in body


def _doubles(text: str) -> list[str]:
    headings = {h.strip() for h in re.findall(r"<h[1-6][^>]*>([^<{]+)</h[1-6]>", text)}
    captions = re.findall(r'govuk-table__caption[^"]*govuk-visually-hidden"[^>]*>([^<]+)<',
                          text)
    return [c.strip() for c in captions if c.strip() in headings]


def test_no_table_repeats_its_heading_as_a_hidden_caption() -> None:
    doubled = []
    for path in sorted(SRC.rglob("*.html")):
        name = str(path.relative_to(SRC))
        if any(fnmatch(name, p) for p in NOT_YET):
            continue
        doubled += [f"{name}: {c}" for c in _doubles(path.read_text())]
    assert not doubled, doubled
    # The check finds what it looks for.
    assert _doubles('<h2 class="govuk-heading-m">Rows with problems</h2><table>'
                    '<caption class="govuk-table__caption govuk-visually-hidden">Rows with '
                    'problems</caption>') == ["Rows with problems"]

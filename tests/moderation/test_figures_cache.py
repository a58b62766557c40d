"""The agreement figures are worked out once per change (moderation.figures_cache):
a second request with nothing changed reads no grades, and every change that moves the
figures (a review completed, a completed review deleted, a framework setting, the day, an
auditor's name) shows on the next request."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from auditloop.governance import retention
from auditloop.moderation import figures_cache, selectors, services
from auditloop.moderation.models import OVERALL, AgreementVersion, ModerationReview
from auditloop.moderation.services import Decision
from auditloop.people.roles import Role
from tests.factories import PersonFactory
from tests.moderation.factories import (
    blind_grades,
    make_cycle,
    moderator,
    review_of,
    set_framework,
    submitted_audit,
)

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2026, 6, 20, 10, tzinfo=dt.UTC)
TODAY = dt.date(2026, 6, 20)
# What only working the figures out afresh reads: the grades, and the audits' auditors
# joined to the completed reviews.
GRADES = "moderation_moderationgrade"


def complete(audit, person, *, moved: bool = False) -> ModerationReview:  # type: ignore[no-untyped-def]
    review = review_of(audit, person)
    mine = "outstanding" if moved else "good"
    services.review_save_blind(review=review, actor=person,
                               grades=blind_grades(review, mine, overall=mine))
    decisions = {k: Decision(True) for k in review.grades.values_list("section_key", flat=True)}
    if moved:
        decisions[OVERALL] = Decision(False, mine, "The evidence says otherwise")
    return services.review_complete(review=review, actor=person, decisions=decisions)


def _reads_grades(queries: CaptureQueriesContext) -> list[str]:
    return [q["sql"] for q in queries.captured_queries if GRADES in q["sql"]]


@pytest.fixture
def setting(client_for):  # type: ignore[no-untyped-def]
    """Two auditors with three completed reviews between them, and the QA manager."""
    set_framework(moderation_share_percent=Decimal("0"), agreement_min_audits=1,
                  mentoring_threshold_percent=Decimal("25"))
    mod = moderator()
    first = PersonFactory(roles=[Role.AUDITOR], full_name="Ann Auditor")
    second = PersonFactory(roles=[Role.AUDITOR], full_name="Ben Auditor")
    qa = PersonFactory(roles=[Role.QA_MANAGER])
    with time_machine.travel(NOW, tick=False):
        cycle = make_cycle(2026, 6)
        for who in (first, first, second):
            complete(submitted_audit(cycle, grade="good", auditor=who), mod)
        spare = submitted_audit(cycle, grade="good", auditor=second)
    return {"mod": mod, "first": first, "second": second, "cycle": cycle, "spare": spare,
            "as_qa": client_for(qa)}


def _main(page: str) -> str:
    return page[page.index("<main"):page.index("</main>")]


def _page(client) -> str:  # type: ignore[no-untyped-def]
    with time_machine.travel(NOW, tick=False):
        response = client.get(reverse("moderation:agreement"))
    assert response.status_code == 200
    return response.content.decode()


def test_a_second_request_with_no_change_reads_no_grades(setting):  # type: ignore[no-untyped-def]
    qa = setting["as_qa"]
    _page(qa)  # the session's first request, and the figures worked out if not yet
    figures_cache.bump()
    with CaptureQueriesContext(connection) as cold:
        first = _page(qa)
    with CaptureQueriesContext(connection) as warm:
        second = _page(qa)
    assert _reads_grades(cold) and not _reads_grades(warm)
    # The grades and the auditors of the reviewed audits are read once per change; the
    # auditors' names are read afresh instead.
    assert len(warm) == len(cold) - 1
    assert _main(first) == _main(second)
    assert "Moderated audits completed since" in second and ": 3." in second


def test_completing_a_review_shows_on_the_next_request(setting):  # type: ignore[no-untyped-def]
    qa = setting["as_qa"]
    assert ": 3." in _page(qa) and ": 3." in _page(qa)
    with time_machine.travel(NOW, tick=False):
        complete(setting["spare"], setting["mod"], moved=True)
    with CaptureQueriesContext(connection) as queries:
        page = _page(qa)
    assert ": 4." in page and _reads_grades(queries)
    assert selectors.agreement_report(today=TODAY).reviews == 4


def test_a_review_not_completed_leaves_the_figures_alone(setting):  # type: ignore[no-untyped-def]
    selectors.agreement_report(today=TODAY)
    token = figures_cache.version()
    with time_machine.travel(NOW, tick=False):
        review = review_of(setting["spare"], setting["mod"])
        services.review_save_blind(review=review, actor=setting["mod"],
                                   grades=blind_grades(review))
    assert figures_cache.version() == token
    with CaptureQueriesContext(connection) as queries:
        assert selectors.agreement_report(today=TODAY).reviews == 3
    assert not _reads_grades(queries)


def test_deleting_completed_reviews_shows_on_the_next_request(setting):  # type: ignore[no-untyped-def]
    assert selectors.agreement_report(today=TODAY).reviews == 3
    audit_id = ModerationReview.objects.filter(status="completed").values_list(
        "audit_id", flat=True)[0]
    retention._audits_delete([audit_id])  # what the daily retention job does
    assert selectors.agreement_report(today=TODAY).reviews == 2


def test_settings_and_the_day_are_part_of_the_key(setting):  # type: ignore[no-untyped-def]
    report = selectors.agreement_report(today=TODAY)
    assert report.floor == 1 and report.threshold == Decimal("25")
    set_framework(moderation_share_percent=Decimal("0"), agreement_min_audits=5,
                  mentoring_threshold_percent=Decimal("40"))
    report = selectors.agreement_report(today=TODAY)
    assert report.floor == 5 and report.threshold == Decimal("40")
    set_framework(moderation_share_percent=Decimal("0"), agreement_window_months=1)
    assert selectors.agreement_report(today=TODAY).window_months == 1
    # The window moves with the date: a month and a day later, nothing is in it.
    assert selectors.agreement_report(today=dt.date(2026, 7, 21)).reviews == 0


def test_an_auditors_new_name_shows_at_once(setting):  # type: ignore[no-untyped-def]
    labels = [g.label for g in selectors.agreement_report(today=TODAY).auditors]
    assert sorted(labels) == ["Ann Auditor", "Ben Auditor"]
    person = setting["first"]
    person.full_name = "Zoe Auditor"
    person.save()
    again = selectors.agreement_report(today=TODAY)
    assert [g.label for g in again.auditors] == ["Ben Auditor", "Zoe Auditor"]


def test_readers_without_the_auditors_never_get_them_from_the_cache(setting):  # type: ignore[no-untyped-def]
    assert selectors.agreement_report(today=TODAY, by_auditor=False).auditors == []
    assert len(selectors.agreement_report(today=TODAY).auditors) == 2
    assert selectors.agreement_report(today=TODAY, by_auditor=False).auditors == []


def test_the_auditors_figures_follow_a_completed_review(setting):  # type: ignore[no-untyped-def]
    second = setting["second"]
    before = selectors.auditor_figures([second], today=TODAY)[0]
    assert (before.moderated, before.moved) == (1, 0)
    with CaptureQueriesContext(connection) as queries:
        selectors.auditor_figures([second], today=TODAY)
    assert not [q for q in queries.captured_queries
                if "moderation_moderationreview" in q["sql"]]
    with time_machine.travel(NOW, tick=False):
        complete(setting["spare"], setting["mod"], moved=True)
    after = selectors.auditor_figures([second], today=TODAY)[0]
    assert (after.moderated, after.moved) == (2, 1)


def test_the_version_row_is_made_again_if_missing():  # type: ignore[no-untyped-def]
    AgreementVersion.objects.all().delete()
    assert figures_cache.version() == ""
    figures_cache.bump()
    first = figures_cache.version()
    figures_cache.bump()
    assert first and figures_cache.version() not in ("", first)

"""004: "Mentoring and support has begun to develop 'audit champions'": the framework's
review of the quality of the audits themselves (audit_quality_review). Without it no
auditor is flagged for mentoring, and the pages say so."""

import datetime as dt

import pytest
import time_machine
from django.urls import reverse

from auditloop.moderation import selectors
from auditloop.people.roles import Role
from tests.factories import PersonFactory
from tests.moderation.factories import set_framework
from tests.moderation.test_figures import history  # noqa: F401

pytestmark = pytest.mark.django_db


def test_auditors_are_flagged_for_mentoring_only_when_the_framework_reviews_audit_quality(
        history, client_for):  # type: ignore[no-untyped-def]  # noqa: F811
    today = dt.date(2026, 7, 1)
    often = history["often"]
    assert [g.person_id for g in selectors.agreement_report(today=today).flagged] == [often.pk]
    assert selectors.auditor_figures([often], today=today)[0].flagged

    set_framework(agreement_min_audits=3, moderation_share_percent=0,
                  audit_quality_review=False)
    assert selectors.agreement_report(today=today).flagged == []
    assert not selectors.auditor_figures([often], today=today)[0].flagged
    qa = client_for(PersonFactory(roles=[Role.QA_MANAGER]))
    with time_machine.travel(dt.datetime(2026, 7, 1, 10, tzinfo=dt.UTC), tick=False):
        page = qa.get(reverse("moderation:agreement")).content.decode()
        listing = qa.get(reverse("moderation:auditor_list")).content.decode()
    assert "no auditor is flagged for mentoring" in page
    assert "no auditor is flagged for mentoring" in listing and "Mentoring</strong>" not in listing


def test_the_agreement_window_sets_which_reviews_count(history):  # type: ignore[no-untyped-def]  # noqa: F811
    later = dt.date(2027, 7, 1)  # a year and ten days after the reviews
    assert selectors.agreement_report(today=later).reviews == 0
    set_framework(agreement_min_audits=3, moderation_share_percent=0,
                  agreement_window_months=24)
    assert selectors.agreement_report(today=later).reviews == 5


def test_the_mentoring_threshold_sets_who_is_flagged(history):  # type: ignore[no-untyped-def]  # noqa: F811
    today = dt.date(2026, 7, 1)
    assert selectors.agreement_report(today=today).flagged  # 2 of 4 moved: 50% > 25%
    set_framework(agreement_min_audits=3, moderation_share_percent=0,
                  mentoring_threshold_percent=60)
    assert selectors.agreement_report(today=today).flagged == []
    assert not selectors.auditor_figures([history["often"]], today=today)[0].flagged


def test_the_agreement_page_cites_the_scrutiny_note_by_its_title(history, client_for):  # type: ignore[no-untyped-def]  # noqa: F811
    from html import unescape

    from auditloop.standards.seeds import SEED_TITLES

    set_framework(agreement_min_audits=3, audit_quality_review=True)
    qa = client_for(PersonFactory(roles=[Role.QA_MANAGER]))
    with time_machine.travel(dt.datetime(2026, 7, 1, 10, tzinfo=dt.UTC), tick=False):
        page = unescape(qa.get(reverse("moderation:agreement")).content.decode())
    assert "flagged for mentoring" in page and "004" not in page
    assert f"in the words of {SEED_TITLES['004']}" in page

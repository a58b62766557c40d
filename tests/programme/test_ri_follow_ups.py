"""001: the discussions of 'requires improvement' audits "are to be reviewed by the Audit
team at the following QA meeting" (ri_actions_reviewed_at_next_qa_meeting): the next
meeting lists them as follow-ups only where the framework says so."""

import pytest

from auditloop.audits.models import SupervisionItem
from auditloop.programme import selectors, services
from tests.factories import PersonFactory
from tests.programme.conftest import set_framework
from tests.programme.test_allocation import confirmed_cycle

pytestmark = pytest.mark.django_db


def _two_months(council, auditors):  # type: ignore[no-untyped-def]
    set_framework(allocation_unit="singles")
    auditors(2)
    may = confirmed_cycle(council["cases"][:1], number=5)
    (may_audit,) = services.allocation_confirm(
        run=services.allocation_propose(cycle=may, actor=None), actor=None)
    SupervisionItem.objects.create(supervisor=PersonFactory(), audit=may_audit,
                                   reason=SupervisionItem.Reason.REQUIRES_IMPROVEMENT)
    june = confirmed_cycle(council["cases"][1:2], number=6)
    services.allocation_confirm(run=services.allocation_propose(cycle=june, actor=None),
                                actor=None)
    june.refresh_from_db()
    return may_audit, june


def test_the_next_meeting_reviews_requires_improvement_discussions_when_the_framework_says(
        framework, council, auditors, fake_solver):
    may_audit, june = _two_months(council, auditors)
    set_framework(ri_actions_reviewed_at_next_qa_meeting=True)
    assert [f.audit for f in selectors.follow_ups(june)] == [may_audit]
    set_framework(ri_actions_reviewed_at_next_qa_meeting=False)
    assert selectors.follow_ups(june) == []

"""Need to know: a moderator opens an audit only while assigned to review it. Holding the
moderator role, or the audit being in moderation, opens nothing on its own; the page-level
rule (get_audit_for_user) and the bulk rule (openable_audit_ids) give the same answer."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.urls import reverse

from auditloop.audits.models import Audit
from auditloop.audits.selectors import openable_audit_ids
from auditloop.common.models import AccessLog
from auditloop.moderation import services
from auditloop.people.roles import Role
from tests.moderation.factories import (
    blind_grades,
    dispute,
    make_cycle,
    moderator,
    review_of,
    set_framework,
    submitted_audit,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def two_audits():  # type: ignore[no-untyped-def]
    set_framework(moderation_share_percent=Decimal("100"),
                  moderation_panel_roles=[Role.PRINCIPAL_SOCIAL_WORKER])
    cycle = make_cycle()
    return submitted_audit(cycle), submitted_audit(cycle)


def opens(client, audit) -> bool:  # type: ignore[no-untyped-def]
    return client.get(reverse("audits:audit_detail", args=[audit.pk])).status_code == 200


def test_a_moderator_cannot_open_an_audit_they_are_not_moderating(two_audits, client_for):  # type: ignore[no-untyped-def]
    mine, other = two_audits
    person = moderator()
    review = review_of(mine, person)
    review_of(other)  # someone else moderates this one
    dispute(other)  # and it is in moderation: that alone must not open it
    other.refresh_from_db()
    assert other.status == Audit.Status.IN_MODERATION
    client = client_for(person)
    services.review_save_blind(review=review, actor=person, grades=blind_grades(review))

    assert opens(client, mine)
    assert not opens(client, other)
    assert openable_audit_ids(person.user, [mine.pk, other.pk]) == {mine.pk}
    viewed = AccessLog.objects.filter(action=AccessLog.Action.VIEW, user=person.user,
                                      object_type="audit")
    assert set(viewed.values_list("object_id", flat=True)) == {str(mine.pk)}


def test_a_moderator_with_no_review_opens_no_audit_in_moderation(two_audits, client_for):  # type: ignore[no-untyped-def]
    audit, _ = two_audits
    dispute(audit)
    person = moderator()
    assert not opens(client_for(person), audit)
    assert openable_audit_ids(person.user, [audit.pk]) == set()


def test_the_audit_closes_to_the_moderator_once_the_review_is_complete(two_audits, client_for):  # type: ignore[no-untyped-def]
    audit, _ = two_audits
    person = moderator()
    review = review_of(audit, person)
    services.review_save_blind(review=review, actor=person, grades=blind_grades(review))
    client = client_for(person)
    assert opens(client, audit)
    decisions = {k: services.Decision(True)
                 for k in review.grades.values_list("section_key", flat=True)}
    services.review_complete(review=review, actor=person, decisions=decisions)
    assert not opens(client, audit)
    assert openable_audit_ids(person.user, [audit.pk]) == set()


def test_a_reassigned_moderator_loses_the_audit(two_audits, client_for):  # type: ignore[no-untyped-def]
    audit, _ = two_audits
    first = moderator()
    review = review_of(audit, first)
    services.review_save_blind(review=review, actor=first, grades=blind_grades(review))
    assert opens(client_for(first), audit)
    review_of(audit, moderator())  # the QA manager gives it to someone else
    assert not opens(client_for(first), audit)
    assert openable_audit_ids(first.user, [audit.pk]) == set()

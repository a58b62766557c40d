"""Drawing a cycle's moderation sample: the share rounded up, the same seed giving the same
sample, disputed audits always in, drawing again with a reason before reviews start, adding
and taking out audits, and moderators allocated away from conflicts with the load spread."""

from __future__ import annotations

from decimal import Decimal

import pytest

from auditloop.common.errors import DomainError, WorkflowError
from auditloop.moderation import services
from auditloop.moderation.models import ModerationReview, ModeratorAssignment, SampledAudit
from auditloop.people.roles import Role
from tests.factories import CaseFactory, InvolvementFactory, PersonFactory
from tests.moderation.factories import (
    blind_grades,
    cycle_of,
    dispute,
    make_cycle,
    moderator,
    review_of,
    set_framework,
    submitted_audit,
)

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(("share", "submitted", "expected"), [
    ("33.33", 8, 3), ("33.33", 3, 1), ("33.33", 9, 3), ("33.33", 10, 4), ("25", 8, 2),
    ("25", 9, 3), ("100", 5, 5), ("0", 8, 0), ("33.33", 0, 0), ("10", 1, 1),
])
def test_the_share_is_rounded_up(share, submitted, expected):  # type: ignore[no-untyped-def]
    # 002: "a third of each month's audits": a third of 8 is 2.67, so 3 are moderated.
    assert services.sample_size(Decimal(share), submitted) == expected


def current(sample) -> list[int]:  # type: ignore[no-untyped-def]
    return sorted(SampledAudit.objects.filter(sample=sample, status="current")
                  .values_list("audit_id", flat=True))


def test_a_third_of_eight_is_three_and_the_draw_is_recorded():
    set_framework()
    moderator()
    cycle, audits = cycle_of(8)
    sample = services.sample_draw(cycle=cycle, actor=None, seed=42)
    draw = sample.draws.get()
    assert draw.random_count == 3 and len(draw.chosen) == 3
    assert draw.population == sorted(a.pk for a in audits)
    assert draw.seed == 42 and draw.submitted_count == 8
    assert current(sample) == sorted(draw.chosen)


def test_the_same_seed_gives_the_same_sample():
    set_framework()
    moderator()
    cycle, _ = cycle_of(6)
    first = services.sample_draw(cycle=cycle, actor=None, seed=7)
    chosen = first.draws.get().chosen
    again = services.sample_draw(cycle=cycle, actor=None, seed=7, reason="Check it repeats")
    assert again.draws.first().chosen == chosen
    # Anyone can re-run the stored draw from its seed and population.
    from auditloop.programme import sampling

    draw = again.draws.first()
    assert sampling.draw([sampling.Entry(i) for i in draw.population], draw.random_count,
                         draw.seed, stratified=False, salt="moderation") == chosen


def test_unsubmitted_audits_are_not_eligible():
    from auditloop.programme.models import CycleCase
    from tests.factories import make_audit

    set_framework(moderation_share_percent=Decimal("100"))
    moderator()
    cycle, audits = cycle_of(2)
    open_audit = make_audit()
    CycleCase.objects.create(cycle=cycle, case=open_audit.case, source="random", reason="x",
                             audit=open_audit)
    sample = services.sample_draw(cycle=cycle, actor=None, seed=1)
    assert current(sample) == sorted(a.pk for a in audits)


def test_disputed_audits_are_always_in_the_sample():
    set_framework(moderation_share_percent=Decimal("0"))
    moderator()
    cycle, audits = cycle_of(5)
    dispute(audits[1])
    dispute(audits[3])
    for seed in range(5):
        sample = services.sample_draw(cycle=cycle, actor=None, seed=seed,
                                      reason="" if seed == 0 else "Again")
        assert current(sample) == sorted([audits[1].pk, audits[3].pk])
        rows = SampledAudit.objects.filter(sample=sample, status="current")
        assert {r.source for r in rows} == {"disputed"}


def test_disputed_audits_join_the_random_draw_when_the_framework_says_not_to_add_them():
    set_framework(moderation_share_percent=Decimal("0"), moderate_disputed_audits=False)
    moderator()
    cycle, audits = cycle_of(3)
    dispute(audits[0])
    sample = services.sample_draw(cycle=cycle, actor=None, seed=1)
    assert current(sample) == []


def test_drawing_again_needs_a_reason_and_is_refused_once_a_review_started():
    set_framework()
    m = moderator()
    cycle, audits = cycle_of(3)
    sample = services.sample_draw(cycle=cycle, actor=None, seed=3)
    with pytest.raises(DomainError) as exc:
        services.sample_draw(cycle=cycle, actor=None, seed=4)
    assert exc.value.field == "reason"
    review = ModerationReview.objects.filter(assignment__sampled__sample=sample).first()
    assert review is not None
    services.review_save_blind(review=review, actor=review.moderator,
                               grades=blind_grades(review))
    with pytest.raises(WorkflowError):
        services.sample_draw(cycle=cycle, actor=None, seed=4, reason="Try again")
    assert m is not None


def test_drawing_again_ends_the_old_moderators_and_keeps_added_audits():
    set_framework(moderation_share_percent=Decimal("34"))
    moderator()
    cycle, audits = cycle_of(3)
    sample = services.sample_draw(cycle=cycle, actor=None, seed=3)
    drawn = current(sample)
    extra = next(a for a in audits if a.pk not in drawn)
    services.sample_add(sample=sample, audit=extra, actor=None, reason="A theme audit")
    services.sample_draw(cycle=cycle, actor=None, seed=99, reason="Wrong month")
    assert extra.pk in current(sample)
    removed = SampledAudit.objects.filter(sample=sample, status="removed")
    assert all("Wrong month" in r.removed_reason for r in removed)
    assert not ModeratorAssignment.objects.filter(sampled__in=removed,
                                                  ended_at__isnull=True).exists()
    assert sample.draws.count() == 2


def test_adding_and_taking_out_need_a_reason():
    set_framework(moderation_share_percent=Decimal("0"))
    moderator()
    cycle, audits = cycle_of(2)
    sample = services.sample_draw(cycle=cycle, actor=None, seed=1)
    with pytest.raises(DomainError):
        services.sample_add(sample=sample, audit=audits[0], actor=None, reason=" ")
    row = services.sample_add(sample=sample, audit=audits[0], actor=None, reason="Good practice")
    with pytest.raises(DomainError):
        services.sample_add(sample=sample, audit=audits[0], actor=None, reason="Twice")
    with pytest.raises(DomainError):
        services.sample_remove(sampled=row, actor=None, reason="")
    services.sample_remove(sampled=row, actor=None, reason="Added by mistake")
    row.refresh_from_db()
    assert row.status == "removed" and row.removed_reason == "Added by mistake"
    with pytest.raises(WorkflowError):
        services.sample_remove(sampled=row, actor=None, reason="Again")


def test_an_audit_of_another_cycle_cannot_be_added():
    set_framework(moderation_share_percent=Decimal("0"))
    moderator()
    cycle, _ = cycle_of(1)
    _, others = cycle_of(1, number=7)
    sample = services.sample_draw(cycle=cycle, actor=None, seed=1)
    with pytest.raises(DomainError):
        services.sample_add(sample=sample, audit=others[0], actor=None, reason="Wrong")


def test_no_moderator_is_involved_in_the_case_or_the_audit():
    set_framework(moderation_share_percent=Decimal("100"))
    key_worker, manager, involved, auditor, boss, free = (moderator() for _ in range(6))
    case = CaseFactory(key_worker=key_worker, team_manager=manager)
    key_worker.line_manager = boss
    key_worker.save()
    InvolvementFactory(case=case, person=involved, role="key_worker", ended_on="2026-02-01")
    cycle = make_cycle()
    audit = submitted_audit(cycle, auditor=auditor, case=case)
    sample = services.sample_draw(cycle=cycle, actor=None, seed=1)
    assignment = ModeratorAssignment.objects.get(sampled__sample=sample, ended_at__isnull=True)
    assert assignment.person_id == free.pk
    row = sample.audits.get(audit=audit)
    reasons = {p.pk: why for p, why in services.moderator_choices(row)}
    assert reasons[key_worker.pk] == ["holds the case (key worker / lead professional)"]
    assert reasons[manager.pk] == ["holds the case (team manager)"]
    assert any("involved" in r for r in reasons[involved.pk])
    assert "audited it" in reasons[auditor.pk]
    assert any("line-manages" in r for r in reasons[boss.pk])
    assert reasons[free.pk] == []
    with pytest.raises(DomainError):
        services.moderator_reassign(sampled=row, person=auditor, actor=None, reason="Try")


def test_an_ended_auditor_may_not_moderate_the_audit():
    set_framework(moderation_share_percent=Decimal("100"))
    first, second = moderator(), moderator()
    cycle = make_cycle()
    audit = submitted_audit(cycle, auditor=first)
    audit.assignments.filter(person=first).update(ended_at="2026-06-10T10:00Z")
    sample = services.sample_draw(cycle=cycle, actor=None, seed=1)
    assert ModeratorAssignment.objects.get(sampled__sample=sample).person_id == second.pk


def test_the_load_is_spread_across_the_panel():
    set_framework(moderation_share_percent=Decimal("100"))
    panel = [moderator() for _ in range(3)]
    cycle, _ = cycle_of(6)
    services.sample_draw(cycle=cycle, actor=None, seed=5)
    loads = [ModeratorAssignment.objects.filter(person=p, ended_at=None).count() for p in panel]
    assert sorted(loads) == [2, 2, 2]


def test_the_framework_panel_roles_and_moderators_sit_on_the_panel():
    set_framework(moderation_panel_roles=[Role.PRINCIPAL_SOCIAL_WORKER])
    psw = PersonFactory(roles=[Role.PRINCIPAL_SOCIAL_WORKER])
    m = moderator()
    PersonFactory(roles=[Role.AUDITOR])
    assert {p.pk for p in services.panel_members()} == {psw.pk, m.pk}


def test_reassigning_ends_the_old_row_and_starts_a_blind_review():
    set_framework(moderation_share_percent=Decimal("100"))
    first, second = moderator(), moderator()
    cycle, audits = cycle_of(1)
    review = review_of(audits[0], first)
    row = review.assignment.sampled
    services.review_save_blind(review=review, actor=first, grades=blind_grades(review))
    services.moderator_reassign(sampled=row, person=second, actor=None, reason="On leave")
    old = ModeratorAssignment.objects.get(pk=review.assignment_id)
    assert old.ended_at is not None and "On leave" in old.end_reason
    review.refresh_from_db()
    assert review.status == "ended"
    new = ModerationReview.objects.get(assignment__sampled=row, assignment__ended_at=None)
    assert new.moderator_id == second.pk and new.status == "blind"
    assert ModeratorAssignment.objects.filter(sampled=row, ended_at__isnull=True).count() == 1
    assert ModeratorAssignment.objects.filter(sampled=row).count() >= 2
    with pytest.raises(DomainError):
        services.moderator_reassign(sampled=row, person=second, actor=None, reason="Again")


def test_the_moderators_are_told_with_a_link_and_no_child_details():
    from auditloop.notifications.models import Notification

    set_framework(moderation_share_percent=Decimal("100"))
    m = moderator()
    cycle, audits = cycle_of(1)
    services.sample_draw(cycle=cycle, actor=None, seed=1)
    notice = Notification.objects.get(recipient=m)
    assert notice.link == "/moderation/#audits-to-moderate"
    assert audits[0].case.reference not in notice.subject + notice.body


def test_moderation_share_percent_sets_how_many_are_drawn():
    moderator()
    drawn = []
    for share in ("25", "100"):
        set_framework(moderation_share_percent=Decimal(share))
        cycle, _ = cycle_of(4, number=7 if share == "25" else 8)
        drawn.append(len(current(services.sample_draw(cycle=cycle, actor=None, seed=3))))
    assert drawn == [1, 4]


def test_moderate_disputed_audits_decides_whether_a_dispute_is_added():
    moderator()
    sampled = []
    for add in (True, False):
        set_framework(moderation_share_percent=Decimal("0"), moderate_disputed_audits=add)
        cycle, audits = cycle_of(3, number=7 if add else 8)
        dispute(audits[0])
        sampled.append(current(services.sample_draw(cycle=cycle, actor=None, seed=1)))
    assert sampled[0] != [] and sampled[1] == []

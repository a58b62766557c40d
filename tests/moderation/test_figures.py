"""The agreement report over the framework's window (overall, by section, by auditor), the
floor below which only counts show, the mentoring flag on the agreement page and the
auditor's record, and the spread of a calibration exercise's grades."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
import time_machine
from django.urls import reverse

from auditloop.moderation import selectors, services
from auditloop.moderation.models import OVERALL
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


def moderate(audit, person, *, mine: str, change: bool):  # type: ignore[no-untyped-def]
    review = review_of(audit, person)
    services.review_save_blind(review=review, actor=person,
                               grades=blind_grades(review, mine, overall=mine))
    keys = review.grades.values_list("section_key", flat=True)
    decisions = {k: Decision(True) for k in keys}
    if change:
        decisions[OVERALL] = Decision(False, mine, "The evidence says otherwise")
    return services.review_complete(review=review, actor=person, decisions=decisions)


@pytest.fixture
def history():  # type: ignore[no-untyped-def]
    """One auditor with 4 moderated audits, 2 of them moved; another with 1, agreed."""
    set_framework(moderation_share_percent=Decimal("0"), agreement_min_audits=3,
                  mentoring_threshold_percent=Decimal("25"))
    mod = moderator()
    often, rarely = PersonFactory(roles=[Role.AUDITOR]), PersonFactory(roles=[Role.AUDITOR])
    with time_machine.travel(dt.datetime(2026, 6, 20, 10, tzinfo=dt.UTC), tick=False):
        cycle = make_cycle(2026, 6)
        for i, (who, mine, change) in enumerate([
                (often, "outstanding", True), (often, "good", False), (often, "inadequate", True),
                (often, "good", False), (rarely, "good", False)]):
            audit = submitted_audit(cycle, grade="good", auditor=who)
            moderate(audit, mod, mine=mine, change=change)
            assert i >= 0
    return {"often": often, "rarely": rarely, "mod": mod}


def test_the_report_compares_the_auditors_grade_with_the_moderators_blind_grade(history):  # type: ignore[no-untyped-def]
    report = selectors.agreement_report(today=dt.date(2026, 7, 1))
    assert report.reviews == 5
    (overall,) = report.overall
    f = overall.figures
    # Auditors all said good (rank 1); moderators: outstanding, good, inadequate, good, good.
    assert f.n == 5 and f.percent == pytest.approx(60.0) and f.moved == 2
    # Every auditor gave the same grade, so the observed agreement is exactly what chance
    # gives from the moderators' spread (po = pe): kappa is 0, however often they agree.
    assert f.quadratic is not None and f.quadratic.kappa == pytest.approx(0.0, abs=1e-9)
    sections = {g.label for g in report.sections}
    assert "3. Assessment" in sections and len(report.sections) == 6


def test_groups_under_the_floor_show_their_count_only(history, client_for):  # type: ignore[no-untyped-def]
    report = selectors.agreement_report(today=dt.date(2026, 7, 1))
    by_person = {g.person_id: g for g in report.auditors}
    assert not by_person[history["rarely"].pk].figures.enough
    qa = client_for(PersonFactory(roles=[Role.QA_MANAGER]))
    with time_machine.travel(dt.datetime(2026, 7, 1, 10, tzinfo=dt.UTC), tick=False):
        body = qa.get(reverse("moderation:agreement")).content.decode()
    assert "Not enough moderated audits yet: 1 of 3" in body


def test_often_moved_auditors_are_flagged_for_mentoring(history, client_for):  # type: ignore[no-untyped-def]
    report = selectors.agreement_report(today=dt.date(2026, 7, 1))
    flagged = [g.person_id for g in report.flagged]
    assert flagged == [history["often"].pk]  # 2 of 4 moved: 50% > 25%, and 4 >= 3
    qa = client_for(PersonFactory(roles=[Role.QA_MANAGER]))
    with time_machine.travel(dt.datetime(2026, 7, 1, 10, tzinfo=dt.UTC), tick=False):
        record = qa.get(reverse("moderation:auditor_record", args=[history["often"].pk]))
        calm = qa.get(reverse("moderation:auditor_record", args=[history["rarely"].pk]))
        listing = qa.get(reverse("moderation:auditor_list")).content.decode()
    assert "Flagged for mentoring" in record.content.decode()
    assert "Flagged for mentoring" not in calm.content.decode()
    assert listing.count("Mentoring") == 1


def test_the_window_leaves_out_older_reviews(history):  # type: ignore[no-untyped-def]
    assert selectors.agreement_report(today=dt.date(2027, 7, 1)).reviews == 0
    figures = selectors.auditor_figures([history["often"]], today=dt.date(2027, 7, 1))[0]
    assert figures.moderated == 0 and not figures.flagged


def test_auditor_figures(history):  # type: ignore[no-untyped-def]
    f = selectors.auditor_figures([history["often"], history["rarely"]],
                                  today=dt.date(2026, 7, 1))
    assert (f[0].audits_done, f[0].moderated, f[0].moved, f[0].flagged) == (4, 4, 2, True)
    assert (f[1].audits_done, f[1].moderated, f[1].moved, f[1].flagged) == (1, 1, 0, False)


def test_the_calibration_spread():
    set_framework()
    version = submitted_audit(make_cycle()).tool_version
    people = [PersonFactory(roles=[Role.AUDITOR]) for _ in range(4)]
    exercise = services.calibration_create(actor=None, title="Drift", tool_version=version,
                                           vignette="An invented family", participants=people)
    sections = services.graded_sections(version)
    for person, grade in zip(people[:3], ["good", "good", "inadequate"], strict=True):
        mine = exercise.participants.get(person=person)
        services.calibration_submit(participant=mine, actor=person,
                                    grades={s.key: grade for s in sections})
    services.calibration_reference_set(exercise=exercise, actor=None,
                                       grades={s.key: "requires_improvement" for s in sections})
    exercise.refresh_from_db()
    spreads, graded = selectors.spread(exercise)
    overall = next(s for s in spreads if s.section.key == OVERALL)
    assert graded == 3
    assert overall.counts == [("Outstanding", 0), ("Good", 2),
                              ("Requires improvement to be good", 0), ("Inadequate", 1)]
    assert (overall.best, overall.worst) == ("Good", "Inadequate")
    assert overall.modes == ["Good"] and overall.mode_share == pytest.approx(200 / 3)
    assert overall.reference == "Requires improvement to be good"


def test_calibration_is_blind_until_submitted_and_never_names_a_case(client_for):  # type: ignore[no-untyped-def]
    set_framework()
    version = submitted_audit(make_cycle()).tool_version
    first, second = PersonFactory(roles=[Role.AUDITOR]), PersonFactory(roles=[Role.AUDITOR])
    exercise = services.calibration_create(actor=None, title="Blind", tool_version=version,
                                           vignette="Invented", participants=[first, second])
    assert not hasattr(exercise, "case_id")
    sections = services.graded_sections(version)
    services.calibration_submit(participant=exercise.participants.get(person=first),
                                actor=first, grades={s.key: "outstanding" for s in sections})
    results = reverse("moderation:calibration_results", args=[exercise.pk])
    assert client_for(second).get(results).status_code == 403
    detail = client_for(second).get(reverse("moderation:calibration_detail", args=[exercise.pk]))
    assert "Outstanding (" not in detail.content.decode()
    assert client_for(first).get(results).status_code == 200


def test_every_auditor_but_its_author_takes_part_by_default():
    set_framework()
    version = submitted_audit(make_cycle()).tool_version
    qa = PersonFactory(roles=[Role.QA_MANAGER])  # audits too, but wrote the vignette
    everyone = services.calibration_create(actor=qa, title="All", tool_version=version,
                                           vignette="Invented")
    from auditloop.audits.selectors import auditor_pool

    assert set(everyone.participants.values_list("person_id", flat=True)) == {
        p.pk for p in auditor_pool()} - {qa.pk}


def test_agreement_min_audits_sets_the_floor_for_showing_figures(history):  # type: ignore[no-untyped-def]
    today = dt.date(2026, 7, 1)
    enough = []
    for floor in (3, 1):
        set_framework(moderation_share_percent=Decimal("0"), agreement_min_audits=floor,
                      mentoring_threshold_percent=Decimal("25"))
        by_person = {g.person_id: g for g in selectors.agreement_report(today=today).auditors}
        enough.append(by_person[history["rarely"].pk].figures.enough)
    assert enough == [False, True]

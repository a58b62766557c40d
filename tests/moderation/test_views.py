"""Moderation's pages: the allowed role, a forbidden role, the wrong method and the wrong
state for each, and query counts on the list pages that do not grow with rows."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.urls import reverse

from auditloop.moderation import services
from auditloop.moderation.models import OVERALL, ModerationReview, ModerationSample
from auditloop.people.roles import Role
from tests.factories import PersonFactory
from tests.moderation.factories import (
    blind_grades,
    cycle_of,
    make_cycle,
    moderator,
    review_of,
    set_framework,
    submitted_audit,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(client_for):  # type: ignore[no-untyped-def]
    set_framework(moderation_share_percent=Decimal("100"))
    mod = moderator()
    cycle, audits = cycle_of(2)
    review = review_of(audits[0], mod)
    qa = PersonFactory(roles=[Role.QA_MANAGER])
    return {"mod": mod, "cycle": cycle, "audits": audits, "review": review, "qa": qa,
            "sample": review.assignment.sampled.sample, "row": review.assignment.sampled,
            "as_mod": client_for(mod), "as_qa": client_for(qa),
            "as_auditor": client_for(PersonFactory(roles=[Role.AUDITOR]))}


def test_my_reviews(world):  # type: ignore[no-untyped-def]
    url = reverse("moderation:my_reviews")
    page = world["as_mod"].get(url)
    assert page.status_code == 200 and f"Audit {world['review'].audit_id}" in page.content.decode()
    assert world["as_auditor"].get(url).status_code == 403
    assert world["as_mod"].post(url).status_code == 405


def test_my_reviews_logs_each_audit_listed(world):  # type: ignore[no-untyped-def]
    from auditloop.common.models import AccessLog

    world["as_mod"].get(reverse("moderation:my_reviews"))
    rows = set(AccessLog.objects.filter(user=world["mod"].user).values_list(
        "action", "object_type", "object_id"))
    assert ("list", "audit", str(world["review"].audit_id)) in rows
    assert {(action, kind) for action, kind, _ in rows} == {("list", "audit")}


def test_my_reviews_query_count_does_not_grow(world, django_assert_max_num_queries):  # type: ignore[no-untyped-def]
    url = reverse("moderation:my_reviews")
    with django_assert_max_num_queries(14):
        world["as_mod"].get(url)
    cycle = world["cycle"]
    for _ in range(3):
        review_of(submitted_audit(cycle), world["mod"])
    with django_assert_max_num_queries(14):
        assert world["as_mod"].get(url).content.decode().count("/moderation/reviews/") >= 4


def test_review_pages(world):  # type: ignore[no-untyped-def]
    review = world["review"]
    url = reverse("moderation:review", args=[review.pk])
    assert world["as_mod"].get(url).status_code == 200
    assert world["as_qa"].get(url).status_code == 200  # the QA manager reads it
    assert world["as_auditor"].get(url).status_code == 404
    assert world["as_mod"].post(url).status_code == 405
    blind = reverse("moderation:review_blind", args=[review.pk])
    complete = reverse("moderation:review_complete", args=[review.pk])
    assert world["as_mod"].get(blind).status_code == 405
    assert world["as_qa"].post(blind, {}).status_code == 403  # only its moderator grades
    assert world["as_auditor"].post(blind, {}).status_code == 404
    # Wrong state: nothing to decide before the blind grades.
    assert world["as_mod"].post(complete, {}).status_code == 400
    missing = world["as_mod"].post(blind, {})
    assert missing.status_code == 400 and "Choose a grade" in missing.content.decode()
    posted = {f"grade-{k}": v for k, v in blind_grades(review).items()}
    response = world["as_mod"].post(blind, posted)
    assert response.status_code == 302
    # Posting the blind grades again (a double click, a stale tab) changes nothing.
    again = world["as_mod"].post(blind, {**posted, f"grade-{OVERALL}": "inadequate"})
    assert again.status_code == 400 and "cannot be changed" in again.content.decode()
    keys = review.grades.values_list("section_key", flat=True)
    decisions = {f"agrees-{k}": "yes" for k in keys}
    decisions.update({f"agrees-{OVERALL}": "no", f"grade-{OVERALL}": "outstanding",
                      f"reason-{OVERALL}": ""})
    no_reason = world["as_mod"].post(complete, decisions)
    assert no_reason.status_code == 400 and "Say why" in no_reason.content.decode()
    decisions[f"reason-{OVERALL}"] = "Exceptional direct work"
    assert world["as_mod"].post(complete, decisions).status_code == 302
    assert world["as_mod"].post(complete, decisions).status_code == 400  # twice
    review.refresh_from_db()
    assert review.status == ModerationReview.Status.COMPLETED


def test_sample_page_and_draw(client_for):  # type: ignore[no-untyped-def]
    set_framework()
    moderator()
    qa = client_for(PersonFactory(roles=[Role.QA_MANAGER]))
    auditor = client_for(PersonFactory(roles=[Role.AUDITOR]))
    cycle, _ = cycle_of(3)
    url = reverse("moderation:sample", args=[cycle.pk])
    draw = reverse("moderation:sample_draw", args=[cycle.pk])
    assert qa.get(url).status_code == 200
    assert auditor.get(url).status_code == 403
    assert qa.post(url).status_code == 405
    assert qa.get(draw).status_code == 405
    assert auditor.post(draw, {"mode": "meeting"}).status_code == 403
    assert qa.post(draw, {}).status_code == 400  # no mode chosen
    assert qa.post(draw, {"mode": "meeting"}).status_code == 302
    assert qa.post(draw, {"mode": "meeting"}).status_code == 400  # drawn already
    assert ModerationSample.objects.get(cycle=cycle).mode == "meeting"
    redraw = reverse("moderation:sample_redraw", args=[cycle.pk])
    assert qa.post(redraw, {"reason": ""}).status_code == 400
    assert qa.post(redraw, {"reason": "The wrong audits were submitted"}).status_code == 302


def test_sample_of_a_cycle_with_nothing_submitted_says_what_to_do(client_for):  # type: ignore[no-untyped-def]
    set_framework()
    qa = client_for(PersonFactory(roles=[Role.QA_MANAGER]))
    cycle = make_cycle()
    response = qa.post(reverse("moderation:sample_draw", args=[cycle.pk]), {"mode": "meeting"})
    assert response.status_code == 400 and "No audit of this cycle" in response.content.decode()
    assert qa.get(reverse("moderation:sample_add", args=[cycle.pk])).status_code == 400


def test_redraw_is_refused_once_a_review_started(world):  # type: ignore[no-untyped-def]
    review = world["review"]
    services.review_save_blind(review=review, actor=world["mod"], grades=blind_grades(review))
    url = reverse("moderation:sample_redraw", args=[world["cycle"].pk])
    assert world["as_qa"].get(url).status_code == 400


def test_add_remove_and_reassign(world, client_for):  # type: ignore[no-untyped-def]
    qa, cycle, row = world["as_qa"], world["cycle"], world["row"]
    other = moderator()
    add = reverse("moderation:sample_add", args=[cycle.pk])
    assert qa.get(add).status_code == 200
    assert world["as_auditor"].get(add).status_code == 403
    remove = reverse("moderation:sample_remove", args=[cycle.pk, row.pk])
    assert qa.post(remove, {"reason": ""}).status_code == 400
    reassign = reverse("moderation:reassign", args=[cycle.pk, row.pk])
    assert qa.get(reassign).status_code == 200
    assert world["as_mod"].get(reassign).status_code == 403
    assert qa.post(reassign, {"person": other.pk, "reason": "Leave"}).status_code == 302
    assert qa.post(remove, {"reason": "Audited twice"}).status_code == 302
    assert qa.get(remove).status_code == 400  # out already
    assert qa.put(remove).status_code == 405
    extra = submitted_audit(cycle)
    assert qa.post(add, {"audit": extra.pk, "reason": "Good practice"}).status_code == 302


def test_mode_and_meeting(world):  # type: ignore[no-untyped-def]
    sample, row = world["sample"], world["row"]
    meeting = reverse("moderation:meeting", args=[sample.pk])
    assert world["as_mod"].get(meeting).status_code == 400  # one by one: no meeting
    assert world["as_qa"].post(reverse("moderation:sample_mode", args=[world["cycle"].pk]),
                               {"mode": "meeting"}).status_code == 302
    assert world["as_mod"].get(meeting).status_code == 200
    assert world["as_auditor"].get(meeting).status_code == 403
    assert world["as_mod"].post(meeting).status_code == 405
    save = reverse("moderation:meeting_save", args=[sample.pk])
    response = world["as_mod"].post(save, {"held_on": "2026-07-02", "attendees": [world["mod"].pk],
                                           "record": "Two audits discussed",
                                           "learning_points": "Evidence the child's voice"})
    assert response.status_code == 302
    assert sample.meeting.learning_points == "Evidence the child's voice"
    assert world["as_mod"].post(save, {"held_on": "not a date"}).status_code == 400
    note = reverse("moderation:discussion", args=[sample.pk, row.pk])
    assert world["as_mod"].post(note, {"note": ""}).status_code == 400
    assert world["as_mod"].post(note, {"note": "Grade stands"}).status_code == 302
    second = services.sample_add(sample=sample, audit=submitted_audit(world["cycle"]),
                                 actor=None, reason="A second one")
    move = reverse("moderation:agenda_move", args=[sample.pk, second.pk])
    assert world["as_mod"].get(move).status_code == 405
    rows = services.SampledAudit.objects.filter(sample=sample, status="current").count()
    for _ in range(rows - 1):
        assert world["as_mod"].post(move, {"direction": "up"}).status_code == 302
    second.refresh_from_db()
    row.refresh_from_db()
    assert second.position < row.position
    assert world["as_mod"].post(move, {"direction": "up"}).status_code == 400  # at the top


def test_agreement_page(world, client_for, django_assert_max_num_queries):  # type: ignore[no-untyped-def]
    url = reverse("moderation:agreement")
    reader = client_for(PersonFactory(roles=[Role.SENIOR_LEADER]))
    page = reader.get(url)
    assert page.status_code == 200 and "By auditor" not in page.content.decode()
    assert "By auditor" in world["as_qa"].get(url).content.decode()
    assert world["as_auditor"].get(url).status_code == 403
    assert reader.post(url).status_code == 405
    with django_assert_max_num_queries(12):
        world["as_qa"].get(url)


def test_auditor_list_query_count_does_not_grow(world, django_assert_max_num_queries):  # type: ignore[no-untyped-def]
    url = reverse("moderation:auditor_list")
    assert world["as_auditor"].get(url).status_code == 403
    assert world["as_qa"].post(url).status_code == 405
    with django_assert_max_num_queries(17):  # +1: the session's own row (people.UserSession)
        world["as_qa"].get(url)
    cycle = world["cycle"]
    for _ in range(4):
        audit = submitted_audit(cycle)
        review = review_of(audit, world["mod"])
        services.review_save_blind(review=review, actor=world["mod"],
                                   grades=blind_grades(review))
    with django_assert_max_num_queries(17):
        body = world["as_qa"].get(url).content.decode()
    assert body.count("/moderation/auditors/") >= 6


def test_auditor_record(world, client_for):  # type: ignore[no-untyped-def]
    auditor = world["audits"][0].assignments.get().person
    url = reverse("moderation:auditor_record", args=[auditor.pk])
    assert world["as_qa"].get(url).status_code == 200
    assert client_for(auditor).get(url).status_code == 200  # their own record
    assert world["as_auditor"].get(url).status_code == 404
    assert world["as_qa"].post(url).status_code == 405


def test_calibration_pages(world, client_for):  # type: ignore[no-untyped-def]
    qa = world["as_qa"]
    audit = world["audits"][0]
    taking_part = PersonFactory(roles=[Role.AUDITOR])
    other = PersonFactory(roles=[Role.AUDITOR])
    new = reverse("moderation:calibration_new")
    assert qa.get(new).status_code == 200
    assert world["as_auditor"].get(new).status_code == 403
    response = qa.post(new, {"title": "Neglect", "tool_version": audit.tool_version_id,
                             "vignette": "A family of four", "participants": [taking_part.pk,
                                                                             other.pk]})
    assert response.status_code == 302
    exercise = services.CalibrationExercise.objects.get(title="Neglect")
    mine, theirs = client_for(taking_part), client_for(other)
    results = reverse("moderation:calibration_results", args=[exercise.pk])
    detail = reverse("moderation:calibration_detail", args=[exercise.pk])
    grade = reverse("moderation:calibration_grade", args=[exercise.pk])
    assert mine.get(detail).status_code == 200
    assert world["as_auditor"].get(detail).status_code == 404
    assert mine.get(results).status_code == 403  # not before their own grades
    assert mine.get(grade).status_code == 405
    assert mine.post(grade, {}).status_code == 400
    sections = services.graded_sections(exercise.tool_version)
    posted = {f"grade-{s.key}": "good" for s in sections}
    assert mine.post(grade, posted).status_code == 302
    assert mine.post(grade, posted).status_code == 400  # twice
    assert mine.get(results).status_code == 200
    assert theirs.get(results).status_code == 403
    assert qa.get(results).status_code == 200
    reference = reverse("moderation:calibration_reference", args=[exercise.pk])
    assert theirs.get(reference).status_code == 403
    assert qa.post(reference, {}).status_code == 400
    assert qa.post(reference, {**posted, "note": "Agreed"}).status_code == 302
    close = reverse("moderation:calibration_close", args=[exercise.pk])
    assert qa.get(close).status_code == 405
    assert mine.post(close).status_code == 403
    assert qa.post(close).status_code == 302
    assert qa.post(close).status_code == 400  # closed already
    assert theirs.post(grade, posted).status_code == 400  # closed
    listing = reverse("moderation:calibration_list")
    assert "Neglect" in mine.get(listing).content.decode()
    assert "Neglect" not in world["as_auditor"].get(listing).content.decode()


def test_the_home_page_shows_the_reviews_waiting(world):  # type: ignore[no-untyped-def]
    body = world["as_mod"].get("/").content.decode()
    assert "2 audits to grade blind" in body  # the sample's two audits, both theirs
    review = world["review"]
    services.review_save_blind(review=review, actor=world["mod"], grades=blind_grades(review))
    body = world["as_mod"].get("/").content.decode()
    assert "1 audit to grade blind" in body and "1 moderation review to finish" in body
    assert "to grade blind" not in world["as_auditor"].get("/").content.decode()


def test_the_nav_shows_moderation_to_the_panel_and_the_qa_manager(world):  # type: ignore[no-untyped-def]
    # The moderator's few pages are all in the navigation; the QA manager's is grouped with
    # the rest of running the month.
    month = reverse("work_group", args=["month"])
    assert 'href="/moderation/"' in world["as_mod"].get("/").content.decode()
    assert 'href="/moderation/"' in world["as_qa"].get(month).content.decode()
    assert 'href="/moderation/"' not in world["as_auditor"].get("/").content.decode()
    assert 'href="/moderation/"' not in world["as_auditor"].get(month).content.decode()

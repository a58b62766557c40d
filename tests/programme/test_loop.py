"""Before and after (004 4.4: "repeat audits in certain areas will then evidence
improvement"): the arithmetic against a slow oracle, the per-theme comparison of re-audits
and revisits with their evidence, the trend of good against not-yet-good, and the loop
pages (who sees case identifiers, the access log, pinned query counts)."""

from __future__ import annotations

import datetime as dt
from fractions import Fraction

import pytest
import time_machine
from django.urls import reverse
from hypothesis import given
from hypothesis import strategies as st

from auditloop.audits.models import Audit
from auditloop.audits.services import audit_plan_re_audit
from auditloop.common.models import AccessLog
from auditloop.people.roles import Role
from auditloop.programme import loop
from auditloop.programme.loop import Outcome, Pair, Scale, compare, summarise, trend
from auditloop.programme.services import revisit_schedule, revisit_start
from tests.programme.loop_factories import audited, grade_later, loop_framework, themed_cycle

OFSTED = Scale(keys=("outstanding", "good", "requires_improvement", "inadequate"),
               good=frozenset({"outstanding", "good"}))
# A scale whose keys say nothing: "good" is whatever the tool marks counts_as_good.
ODD = Scale.from_levels([{"key": "z", "counts_as_good": True}, {"key": "a"}, {"key": "m"}])


# ------------------------------------------------------------------ pure arithmetic


def test_compare_reads_the_scale_order_not_the_names():
    assert compare("requires_improvement", "good", OFSTED) == Outcome.IMPROVED
    assert compare("good", "good", OFSTED) == Outcome.SAME
    assert compare("good", "inadequate", OFSTED) == Outcome.WORSE
    assert compare("good", "", OFSTED) == Outcome.NOT_YET
    assert compare("good", None, OFSTED) == Outcome.NOT_YET
    assert compare("", "good", OFSTED) == Outcome.UNGRADED
    assert compare("a", "z", ODD) == Outcome.IMPROVED
    assert compare("a", "m", ODD) == Outcome.WORSE
    assert ODD.is_good("z") and not ODD.is_good("a") and ODD.is_good("q") is None


def test_summary_counts_and_shares_of_the_cases_compared():
    s = summarise([Pair("requires_improvement", "good", OFSTED),
                   Pair("inadequate", "requires_improvement", OFSTED),
                   Pair("good", "good", OFSTED),
                   Pair("good", "requires_improvement", OFSTED),
                   Pair("inadequate", "", OFSTED)])
    assert (s.cases, s.compared, s.improved, s.same, s.worse, s.not_yet) == (5, 4, 2, 1, 1, 1)
    assert s.share_good_before == Fraction(2, 4)
    assert s.share_good_after == Fraction(2, 4)
    assert s.moved == "Improved"
    assert summarise([]).share_good_before is None
    assert summarise([]).moved.startswith("Not known yet")


def test_trend_groups_by_cycle_in_time_order_and_marks_since():
    points = trend([(dt.date(2026, 2, 1), "February 2026", True),
                    (dt.date(2026, 1, 1), "January 2026", False),
                    (dt.date(2026, 1, 1), "January 2026", True),
                    (dt.date(2026, 2, 1), "February 2026", True)],
                   since=dt.date(2026, 2, 1))
    assert [(p.label, p.good, p.not_good, p.after_plan) for p in points] == [
        ("January 2026", 1, 1, False), ("February 2026", 2, 0, True)]
    assert points[0].share_good == Fraction(1, 2)
    assert loop.share_good(points) == Fraction(3, 4)


grades = st.sampled_from(["outstanding", "good", "requires_improvement", "inadequate", "", "x"])


def oracle(pairs: list[tuple[str, str]]) -> dict[str, object]:
    """Slow and obvious: positions found by walking the scale, shares by filtering."""
    order = ["outstanding", "good", "requires_improvement", "inadequate"]

    def position(g: str) -> int | None:
        for i, key in enumerate(order):
            if key == g:
                return i
        return None

    out = {"improved": 0, "same": 0, "worse": 0, "not_yet": 0, "ungraded": 0}
    compared = []
    for before, after in pairs:
        b, a = position(before), position(after)
        if b is None:
            out["ungraded"] += 1
        elif a is None:
            out["not_yet"] += 1
        else:
            compared.append((before, after))
            out["improved" if a < b else "same" if a == b else "worse"] += 1
    good = {"outstanding", "good"}
    out["good_before"] = len([1 for b, _ in compared if b in good])
    out["good_after"] = len([1 for _, a in compared if a in good])
    out["compared"] = len(compared)
    return out


@given(st.lists(st.tuples(grades, grades), max_size=30))
def test_summary_matches_the_oracle(pairs):
    s = summarise(Pair(b, a, OFSTED) for b, a in pairs)
    want = oracle(pairs)
    assert (s.improved, s.same, s.worse, s.not_yet, s.ungraded) == (
        want["improved"], want["same"], want["worse"], want["not_yet"], want["ungraded"])
    assert (s.compared, s.good_before, s.good_after) == (
        want["compared"], want["good_before"], want["good_after"])
    assert s.cases == len(pairs)
    assert s.improved + s.same + s.worse + s.not_yet + s.ungraded == len(pairs)


@given(st.lists(st.tuples(st.integers(1, 12), st.booleans()), max_size=40))
def test_trend_totals_match_the_rows(rows):
    points = trend([(dt.date(2026, m, 1), f"m{m}", g) for m, g in rows])
    assert sum(p.total for p in points) == len(rows)
    assert sum(p.good for p in points) == sum(1 for _, g in rows if g)
    assert [p.period_start for p in points] == sorted({dt.date(2026, m, 1) for m, _ in rows})


# ------------------------------------------------------------------ from the database


@pytest.fixture
def neglect(db):
    """A January cycle on neglect: three audits. One was re-audited (better), one revisited
    (worse), one revisit not yet done; a monthly cycle in July on neglect too."""
    loop_framework()
    january = themed_cycle(theme="Neglect", year=2026, number=1)
    ri = audited(january, grade="requires_improvement")
    good = audited(january, grade="good")
    inadequate = audited(january, grade="inadequate")
    re_audit = audit_plan_re_audit(of=inadequate, actor=None, earliest=dt.date(2026, 3, 1),
                                   latest=dt.date(2026, 4, 30), reason="Inadequate")
    grade_later(re_audit, "requires_improvement")
    revisit = revisit_schedule(cycle=january, actor=None)
    assert revisit is not None
    revisit_start(revisit=revisit, actor=None, today=dt.date(2026, 8, 1))
    planned = {a.re_audit_of_id: a for a in Audit.objects.filter(kind=Audit.Kind.REVISIT)}
    grade_later(planned[good.pk], "requires_improvement")
    july = themed_cycle(theme="neglect", year=2026, number=7)
    audited(july, grade="good")
    audited(july, grade="outstanding")
    return {"january": january, "ri": ri, "good": good, "inadequate": inadequate,
            "re_audit": re_audit, "planned": planned}


def test_theme_loop_compares_re_audits_and_revisits(neglect, person_with_role):
    qa = person_with_role(Role.QA_MANAGER)
    (t,) = loop.theme_loops(user=qa.user, theme="Neglect")
    by_earlier = {(r.earlier.pk, r.kind): r for r in t.rows}
    assert by_earlier[(neglect["inadequate"].pk, "Re-audit")].outcome == Outcome.IMPROVED
    assert by_earlier[(neglect["inadequate"].pk, "Revisit")].outcome == Outcome.NOT_YET
    assert by_earlier[(neglect["good"].pk, "Revisit")].outcome == Outcome.WORSE
    assert by_earlier[(neglect["ri"].pk, "Revisit")].outcome == Outcome.NOT_YET
    s = t.summary
    assert (s.cases, s.compared, s.improved, s.worse, s.not_yet) == (4, 2, 1, 1, 2)
    assert (s.share_good_before, s.share_good_after) == (Fraction(1, 2), Fraction(0))
    assert [(p.label, p.good, p.not_good) for p in t.points] == [
        ("January 2026", 1, 2), ("July 2026", 2, 0)]
    assert all(r.reference for r in t.rows)  # the QA manager sees every case


def test_case_identifiers_only_for_those_who_see_the_case(neglect, person_with_role):
    reader = person_with_role(Role.SENIOR_LEADER)
    (t,) = loop.theme_loops(user=reader.user, theme="Neglect")
    assert t.rows and not any(r.reference for r in t.rows)
    assert loop.shown_case_ids([t]) == []


def test_theme_page_shows_the_evidence_and_logs_the_cases(neglect, role_client):
    client, person = role_client(Role.QA_MANAGER)
    response = client.get(reverse("programme:loop_theme", args=["neglect"]))
    body = response.content.decode()
    assert response.status_code == 200
    assert reverse("audits:audit_detail", args=[neglect["re_audit"].pk]) in body
    assert "1 improved, 0 the same, 1 worse" in body
    assert "50% before, 0% after" in body
    logged = set(AccessLog.objects.filter(user=person.user, object_type="case")
                 .values_list("object_id", flat=True))
    assert logged == {str(neglect[k].case_id) for k in ("ri", "good", "inadequate")}


def test_theme_page_for_a_reader_hides_identifiers_and_logs_nothing(neglect, role_client):
    client, person = role_client(Role.SENIOR_LEADER)
    response = client.get(reverse("programme:loop_theme", args=["neglect"]))
    assert response.status_code == 200
    assert neglect["good"].case.reference not in response.content.decode()
    assert not AccessLog.objects.filter(user=person.user, object_type="case").exists()


def test_loop_pages_refuse_those_who_neither_run_nor_read(neglect, role_client):
    client, _ = role_client(Role.PRACTITIONER)
    assert client.get(reverse("programme:loop_index")).status_code == 403
    assert client.get(reverse("programme:loop_theme", args=["neglect"])).status_code == 403
    qa, _ = role_client(Role.QA_MANAGER)
    assert qa.post(reverse("programme:loop_index")).status_code == 405
    assert qa.get(reverse("programme:loop_theme", args=["no-such-theme"])).status_code == 404


def test_loop_pages_query_counts_do_not_grow(neglect, role_client, django_assert_max_num_queries):
    client, _ = role_client(Role.QA_MANAGER)
    urls = [reverse("programme:loop_index"), reverse("programme:loop_theme", args=["neglect"])]
    counts = []
    for url in urls:
        with django_assert_max_num_queries(25) as q:
            assert client.get(url).status_code == 200
        counts.append(len(q.captured_queries))
    january = neglect["january"]
    for grade in ("good", "inadequate", "requires_improvement", "good"):
        earlier = audited(january, grade=grade)
        re_audit = audit_plan_re_audit(of=earlier, actor=None, earliest=dt.date(2026, 3, 1),
                                       latest=dt.date(2026, 4, 30), reason="Re-audit")
        grade_later(re_audit, "good")
    audited(themed_cycle(theme="Neglect", year=2026, number=9), grade="good")
    audited(themed_cycle(theme="Missing", year=2026, number=10), grade="good")
    for url, count in zip(urls, counts, strict=True):
        with django_assert_max_num_queries(count + 1):  # +1: a second theme's plans
            assert client.get(url).status_code == 200


def test_action_plan_loop_shows_movement_since_the_plan(neglect, role_client):
    from auditloop.actions.services import action_plan_create
    from tests.factories import PersonFactory

    client, person = role_client(Role.QA_MANAGER)
    lead = PersonFactory(roles=[Role.STRATEGIC_LEAD])
    plan = action_plan_create(title="Neglect: chronologies in every case",
                              recommendation="Chronologies", source="qa_meeting",
                              source_label="QA meeting, January 2026", theme="Neglect",
                              strategic_lead=lead, actor=person)
    response = client.get(reverse("programme:loop_plan", args=[plan.pk]))
    assert response.status_code == 200
    body = response.content.decode()
    assert "Neglect: chronologies in every case" in body
    assert reverse("programme:loop_theme", args=["neglect"]) in body
    reader, _ = role_client(Role.STRATEGIC_LEAD)
    assert reader.get(reverse("programme:loop_plan", args=[plan.pk])).status_code == 200
    practitioner, _ = role_client(Role.PRACTITIONER)
    assert practitioner.get(reverse("programme:loop_plan", args=[plan.pk])).status_code == 403
    assert client.get(reverse("programme:loop_plan", args=[plan.pk + 999])).status_code == 404


# ------------------------------------------------------------------ the demo council


@pytest.fixture
def demo(db):
    import random

    from auditloop.demo.generator import generate_council
    from auditloop.demo.history import build_audit_history
    from auditloop.demo.loop import build
    from auditloop.standards.services import preset_apply

    today = dt.date(2026, 11, 20)
    with time_machine.travel(dt.datetime(2026, 11, 20, 9, tzinfo=dt.UTC), tick=False):
        generate_council(scale="small", seed=3, reference_date=today)
        preset_apply(key="002-six-key-areas")
        build_audit_history(rng=random.Random(3), today=today, months=10, per_cycle=4)
        build(random.Random(3), today)
        build(random.Random(3), today)  # idempotent
    return today


def test_demo_has_a_done_revisit_a_due_one_and_sessions(demo, person_with_role):
    from auditloop.programme.models import LearningSession, ThemeRevisit

    S = ThemeRevisit.Status
    statuses = sorted(ThemeRevisit.objects.values_list("status", flat=True))
    assert statuses.count(S.STARTED) == 1 and S.SCHEDULED in statuses
    assert loop.revisits_due(today=demo).exists()
    started = ThemeRevisit.objects.get(status=S.STARTED)
    qa = person_with_role(Role.QA_MANAGER)
    (t,) = loop.theme_loops(user=qa.user, theme=started.theme)
    assert t.summary.compared >= 2
    past = LearningSession.objects.get(held_on__lt=demo)
    assert past.status == LearningSession.Status.RECORDED and past.invitations.exists()
    assert past.improvements.count() == 2
    assert LearningSession.objects.filter(held_on__gt=demo).exists()


def test_demo_reset_removes_the_loop_with_the_council(demo):
    from auditloop.demo.generator import reset_council
    from auditloop.programme.models import LearningSession, ThemeRevisit

    reset_council()
    assert not ThemeRevisit.objects.exists()
    assert not LearningSession.objects.exists()

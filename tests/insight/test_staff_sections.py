"""What staff told us and practice seen first-hand in the reports: staff surveys with who
answered of those invited and each rated question's share positive (nothing below the
anonymity threshold), feedback on the audit process, observations of practice, and 000's
"what do staff tell us" answered from the surveys."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine

from auditloop.insight import kinds
from auditloop.insight.document import Figures, Text
from auditloop.insight.figures import Scope
from auditloop.insight.kinds import Context, Period
from auditloop.insight.staff_sections import observations_section, staff_section, staff_voice
from auditloop.voice import surveys
from tests.factories import PersonFactory
from tests.practice.observation_world import done, plan, tree
from tests.voice.test_surveys import ANSWERS, open_survey

pytestmark = pytest.mark.django_db
Q1 = Period.quarter(2026, 1)
SCOPE = Scope(start=Q1.start, end=Q1.end)


@pytest.fixture(autouse=True)
def _in_february():  # type: ignore[no-untyped-def]
    with time_machine.travel(dt.datetime(2026, 2, 10, 10, tzinfo=dt.UTC), tick=False):
        yield


def _answered(n: int, invited: int) -> None:
    people = [PersonFactory() for _ in range(invited)]
    survey = open_survey()
    for person in people[:n]:
        surveys.survey_answer(survey=survey, person=person, answers=ANSWERS)


def _rows(section) -> dict[str, object]:  # type: ignore[no-untyped-def]
    return {label: cell for b in section.blocks if isinstance(b, Figures)
            for label, cell in b.rows}


def test_a_survey_with_enough_answers_shows_who_answered_and_each_share() -> None:
    _answered(6, 8)
    rows = _rows(staff_section(staff_voice(SCOPE.start, SCOPE.end)))
    answered = rows["Staff survey 2026 (annual staff survey): answered, of those invited"]
    assert (answered.k, answered.n) == (6, 8)  # type: ignore[attr-defined]
    shares = [c for label, c in rows.items() if label.startswith("Staff survey 2026: ")]
    assert shares and all((c.k, c.n) in ((6, 6), (0, 6)) for c in shares)  # type: ignore[attr-defined]


def test_a_survey_below_the_threshold_shows_no_answers() -> None:
    _answered(3, 8)
    section = staff_section(staff_voice(SCOPE.start, SCOPE.end))
    rows = _rows(section)
    assert list(rows) == ["Staff survey 2026 (annual staff survey): answered, of those invited"]
    assert any(b.text.startswith("Fewer than 5 answers") for b in section.blocks
               if isinstance(b, Text))


def test_no_survey_and_no_observation_say_so() -> None:
    assert "No staff survey was open" in staff_section(
        staff_voice(SCOPE.start, SCOPE.end)).blocks[0].text  # type: ignore[attr-defined]
    assert "No observation of practice" in observations_section(
        SCOPE.start, SCOPE.end).blocks[0].text  # type: ignore[attr-defined]


def test_observations_done_and_planned_in_the_quarter() -> None:
    t = tree()
    done(observed=t["worker"], observer=t["tm"], on=dt.date(2026, 2, 2))
    plan(observed=t["tm"], observer=t["sm"], planned_for=dt.date(2026, 3, 20),
         kind="supervision")
    rows = _rows(observations_section(SCOPE.start, SCOPE.end))
    assert rows["Observations done"].k == 1  # type: ignore[attr-defined]
    assert rows["Planned in the period and not yet done"].k == 1  # type: ignore[attr-defined]


def test_the_quarterly_report_and_its_six_questions_carry_them() -> None:
    _answered(6, 6)
    doc = kinds.build("quarterly", Context(scope=SCOPE, period=Q1))
    headings = [s.heading for s in doc.sections]
    assert "What staff told us" in headings and "Observations of practice" in headings
    six = next(s for s in doc.sections if s.heading == "The six questions")
    texts = [b.text for b in six.blocks if isinstance(b, Text)]
    assert not any("no staff survey was open" in t for t in texts)
    staff_rows = [label for b in six.blocks if isinstance(b, Figures) for label, _ in b.rows
                  if label.startswith("Staff survey 2026")]
    assert staff_rows


def test_feedback_by_phone_with_no_links_made_says_so() -> None:
    from auditloop.common.statistics import wilson
    from auditloop.insight import voice_figures as vf
    from auditloop.insight import voice_sections as vs

    fam = vf.FamilyVoice(responses=3, from_link=0, by_phone=3, with_worker=0, interpreter=0,
                         questions=(), quotes=(), links_answered=wilson(0, 0))
    rows = _rows(vs.family_voice(fam))
    cell = rows["Feedback links made for families in the period and answered"]
    assert cell.text == "No links made"  # type: ignore[attr-defined]

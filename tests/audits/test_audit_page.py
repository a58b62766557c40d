"""The audit page: the tool version section by section in GOV.UK patterns, the case beside
it, answers that save as the auditor types and never silently overwrite a partner's, and
who may open it."""

from __future__ import annotations

import datetime as dt
import json
import re
from html.parser import HTMLParser

import pytest
import time_machine
from django.test import Client
from django.urls import reverse

from auditloop.audits import services
from auditloop.audits.forms import fingerprint
from auditloop.audits.models import Answer, Audit
from auditloop.cases.models import Case, Involvement
from auditloop.common.models import AccessLog
from auditloop.standards.models import FrameworkSettings
from auditloop.standards.selectors import framework_settings_row
from auditloop.standards.services import tool_version_create
from tests.factories import (
    CaseFactory,
    InvolvementFactory,
    PersonFactory,
    complete_audit,
    make_audit,
)

pytestmark = pytest.mark.django_db
S = Audit.Status

EVERY_ANSWER = """
format: 1
key: every-answer
name: Every kind of answer
purpose: case_audit
defaults:
  comment: optional
  evidence: required
  scale: four
scales:
  four:
    name: Four grades
    levels:
      - key: good
        label: Good
        definition: Good work shown throughout
      - key: fair
        label: Fair
        definition: Some gaps in the work
      - key: poor
        label: Poor
        definition: Practice standards not met
sections:
  - key: answers
    ref: "1"
    title: Every answer
    graded: yes
    guidance: Look at the whole file.
    questions:
      - key: grade_q
        ref: a
        text: How good is the plan?
        answer: grade
        guidance: A short hint about the plan.
      - key: yes_q
        ref: b
        text: Is there a genogram?
        answer: yes_no
        options: [yes, no]
        comment: required
      - key: number_q
        ref: c
        text: How many visits were made?
        answer: number
        min: 0
        max: 10
        unit: visits
      - key: rag_q
        ref: d
        text: Progress on actions
        answer: rag
        definitions: {red: Not started, amber: Under way, green: Done}
      - key: date_q
        ref: e
        text: Date of the last review
        answer: date
        comment: none
      - key: choice_q
        ref: f
        text: Who was contacted?
        answer: choice
        choices: [Parent, Carer]
      - key: multi_q
        ref: g
        text: Risk factors
        answer: multiple_choice
        choices: [Poverty, Poor housing, Isolation]
        required: no
      - key: text_q
        ref: h
        text: Summary of the file
        answer: text
        guidance: |
          A long guidance note
          over two lines.
  - key: maybe
    title: Sometimes asked
    kind: conversation
    applies_when: auditor_decides
    questions:
      - key: notes
        text: Notes of the conversation
        answer: text
  - key: family
    title: Family feedback
    kind: family_feedback
    questions:
      - key: engagement
        text: Did the family engage?
        answer: choice
        choices:
          - {key: engaged, label: Engaged}
          - {key: declined, label: Declined to engage}
      - key: why
        text: Reason for declining
        answer: text
        applies_when: {answer: engagement, in: [declined]}
  - key: kids
    title: Each child
    repeat: per_child
    questions:
      - key: seen
        text: Was the child seen?
        answer: yes_no
  - key: impact
    title: Impact
    kind: impact
    questions:
      - key: score
        text: Impact scaled out of 10
        answer: number
        min: 0
        max: 10
        unit: out of 10
        required: no
  - key: actions
    title: Remedial action
    kind: remedial_action
    repeat: per_action
    questions:
      - key: action
        text: Action
        answer: text
      - key: by_when
        text: By when
        answer: date
        comment: none
overall:
  label: Overall grade
  scale: four
  suggestion: median
  reason_required_when: [better_than_every_section]
"""


def every_answer_audit(auditors, case=None, **kwargs) -> Audit:  # type: ignore[no-untyped-def]
    version, _ = tool_version_create(text=EVERY_ANSWER, filename="every.yaml")
    return services.audit_create(
        case=case or CaseFactory(key_worker=PersonFactory()), tool_version=version,
        auditors=auditors, created_by=None, due_on=dt.date(2026, 7, 31), **kwargs)


def section_url(audit: Audit, key: str) -> str:
    return reverse("audits:audit_section", args=[audit.pk, key])


def save_url(audit: Audit) -> str:
    return reverse("audits:audit_autosave", args=[audit.pk])


def html_of(response) -> str:  # type: ignore[no-untyped-def]
    return response.content.decode()


class _FormReader(HTMLParser):
    """What a browser would send from the audit page's form: every input as it stands."""

    def __init__(self) -> None:
        super().__init__()
        self.pairs: list[tuple[str, str]] = []
        self.in_form = False
        self.textarea: str | None = None
        self.text = ""

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag == "form" and "data-autosave" in a:
            self.in_form = True
        if not self.in_form:
            return
        if tag == "input" and a.get("name"):
            if a.get("type") in ("radio", "checkbox"):
                if "checked" in a:
                    self.pairs.append((a["name"] or "", a.get("value") or ""))
            elif a.get("type") != "submit":
                self.pairs.append((a["name"] or "", a.get("value") or ""))
        if tag == "textarea":
            self.textarea, self.text = a.get("name"), ""

    def handle_data(self, data: str) -> None:
        if self.textarea:
            self.text += data

    def handle_endtag(self, tag: str) -> None:
        if tag == "textarea" and self.textarea:
            self.pairs.append((self.textarea, self.text))
            self.textarea = None
        if tag == "form":
            self.in_form = False


def browser_post(client: Client, url: str, changes: dict[str, object]):  # type: ignore[no-untyped-def]
    """Load the page, change some answers and press a button, as a browser without
    JavaScript would: every field of the form is sent, changed or not."""
    reader = _FormReader()
    reader.feed(client.get(url).content.decode())
    data: dict[str, list[str]] = {}
    for name, value in reader.pairs:
        data.setdefault(name, []).append(value)
    for name, value in changes.items():
        data[name] = [str(v) for v in value] if isinstance(value, list) else [str(value)]
    return client.post(url, data)


@pytest.fixture
def auditor(person_with_role):  # type: ignore[no-untyped-def]
    return person_with_role("auditor")


@pytest.fixture
def partner(person_with_role):  # type: ignore[no-untyped-def]
    return person_with_role("auditor")


# Rendering ---------------------------------------------------------------------------------


def test_section_page_renders_every_answer_type_in_gov_uk_patterns(auditor, client_for):
    audit = every_answer_audit([auditor])
    response = client_for(auditor).get(section_url(audit, "answers"))
    assert response.status_code == 200
    page = html_of(response)
    # A grade: radios with each grade's definition as the hint beside it.
    assert 'id="answers.0.grade_q" name="answers.0.grade_q" type="radio" value="good"' \
        ' aria-describedby="answers.0.grade_q-good-hint"' in page
    assert "Good work shown throughout" in page and "Practice standards not met" in page
    assert "A short hint about the plan." in page  # short guidance is a hint
    # yes_no with only the tool's options, inline.
    assert 'name="answers.0.yes_q" type="radio" value="yes"' in page
    assert 'name="answers.0.yes_q" type="radio" value="partly"' not in page
    assert "govuk-radios--inline" in page
    # A number in its range, with its unit.
    assert 'inputmode="numeric"' in page and "A whole number from 0 to 10." in page
    assert '<div class="govuk-input__suffix" aria-hidden="true">visits</div>' in page
    # RAG with its definitions.
    for word in ("Not started", "Under way", "Done"):
        assert word in page
    # A date in three parts.
    for part in ("day", "month", "year"):
        assert f'name="answers.0.date_q-{part}"' in page
    # Choice and multiple choice.
    assert 'name="answers.0.choice_q" type="radio" value="parent"' in page
    assert 'name="answers.0.multi_q" type="checkbox" value="poor_housing"' in page
    assert "Risk factors (optional)" in page
    # Free text, its long guidance in a details component.
    assert '<textarea class="govuk-textarea" id="answers.0.text_q"' in page
    assert '<span class="govuk-details__summary-text">Guidance</span>' in page
    assert "over two lines." in page
    # Comment boxes as the tool says: required, optional or none.
    assert re.search(r'for="answers.0.yes_q-comment">Comments<span', page)
    assert re.search(r'for="answers.0.grade_q-comment">Comments \(optional\)', page)
    assert 'id="answers.0.date_q-comment"' not in page
    assert 'id="answers.0.text_q-comment"' not in page
    # The section's grade (definitions beside it) and its evidence.
    assert 'name="answers.0.__grade__" type="radio" value="fair"' in page
    assert 'id="answers.0.__evidence__"' in page
    # Each field carries the revision the page loaded, for autosave and conflicts.
    assert 'name="answers.0.yes_q-revision" value=""' in page
    assert f'name="answers.0.yes_q-was" value="{fingerprint(None, "")}"' in page
    assert "data-autosave" in page and "js/audit-form.js" in page
    assert "Look at the whole file." in page  # the section's guidance


def test_a_saved_answer_is_shown_with_its_revision(auditor, client_for):
    audit = every_answer_audit([auditor])
    services.answer_save(audit=audit, actor=auditor, section_key="answers",
                         question_key="multi_q", value=["poverty", "isolation"],
                         comment="Both on file", seen_revision=None)
    services.answer_save(audit=audit, actor=auditor, section_key="answers",
                         question_key="date_q", value="2026-04-03", seen_revision=None)
    page = html_of(client_for(auditor).get(section_url(audit, "answers")))
    assert 'value="poverty" checked' in page and 'value="isolation" checked' in page
    assert 'value="poor_housing" checked' not in page
    assert 'name="answers.0.multi_q-revision" value="1"' in page
    assert "Both on file</textarea>" in page
    assert 'name="answers.0.date_q-day" type="text" inputmode="numeric" value="3"' in page


def test_a_section_the_auditor_decides_on_asks_whether_it_applies(auditor, client_for):
    audit = every_answer_audit([auditor])
    page = html_of(client_for(auditor).get(section_url(audit, "maybe")))
    assert "Does this section apply to this case?" in page
    assert 'name="maybe.0.__applies__" type="radio" value="no"' in page


def test_a_question_asked_only_for_some_answers_says_so(auditor, client_for):
    audit = every_answer_audit([auditor])
    page = html_of(client_for(auditor).get(section_url(audit, "family")))
    assert 'data-applies-answer="family.0.engagement" data-applies-in="declined"' in page
    assert "Answer this only if the answer to “Did the family engage?” is " \
           "“Declined to engage”." in page


def test_a_per_child_section_has_a_part_for_each_child_in_the_family(auditor, client_for):
    case = CaseFactory(family_identifier="FAM1")
    CaseFactory(family_identifier="FAM1", child_identifier="SIB-2")
    CaseFactory(family_identifier="FAM1", child_identifier="SIB-3")
    CaseFactory(family_identifier="OTHER")
    audit = every_answer_audit([auditor], case=case, covers_family=True)
    page = html_of(client_for(auditor).get(section_url(audit, "kids")))
    assert page.count('<h2 class="govuk-heading-m" id="item-') == 3
    assert "Child 2: SIB-2" in page and "Child 3: SIB-3" in page
    for item in range(3):
        assert f'name="kids.{item}.seen"' in page


def test_actions_are_added_and_removed_and_a_double_add_is_harmless(auditor, client_for):
    audit = every_answer_audit([auditor])
    client = client_for(auditor)
    url = section_url(audit, "actions")
    assert "None added yet" in html_of(client.get(url))
    first = browser_post(client, url, {"add_item": "1"})
    assert first.status_code == 302 and first["Location"].endswith("#item-0")
    # A second press before anything is written gives the same, still empty, action back.
    browser_post(client, url, {"add_item": "1"})
    page = html_of(client.get(url))
    assert page.count('id="item-') == 1 and 'name="actions.0.action"' in page
    browser_post(client, url, {"actions.0.action": "Review the plan", "add_item": "1"})
    page = html_of(client.get(url))
    assert "Action 2" in page and 'name="actions.1.action"' in page
    browser_post(client, url, {"remove_item": "0"})
    page = html_of(client.get(url))
    assert 'name="actions.0.action"' not in page and "Action 1" in page
    # The removed action's answer stays on record, unused.
    assert Answer.objects.get(audit=audit, item=0, question_key="action").value == \
        "Review the plan"


def test_002_shows_six_graded_areas_and_the_iro_conversation_only_with_an_iro(
        auditor, client_for):
    audit = make_audit(auditors=[auditor])
    client = client_for(auditor)
    page = html_of(client.get(reverse("audits:audit_detail", args=[audit.pk])))
    for title in ("1. Help, protection and stability", "2. Recording &amp; communication",
                  "3. Assessment", "4. Relationship based practice and direct work",
                  "5. Multi agency planning, analysis, review and decision making",
                  "6. Role of supervision and management oversight",
                  "Family/parental/child/young person feedback", "Impact and overall outcome"):
        assert title in page
    assert 'href="' + section_url(audit, "iro_conversation") not in page
    assert "Only where it applies: you decide" in page  # the team manager conversation
    InvolvementFactory(case=audit.case, role=Involvement.Role.IRO,
                       started_on=dt.date(2026, 1, 1))
    page = html_of(client.get(reverse("audits:audit_detail", args=[audit.pk])))
    assert 'href="' + section_url(audit, "iro_conversation") in page
    grades = html_of(client.get(section_url(audit, "assessment")))
    assert "Grade for Assessment" in grades and 'value="requires_improvement"' in grades


def test_003_section_3_shows_questions_a_to_n_with_their_guidance(auditor, client_for):
    audit = make_audit(auditors=[auditor], tool_key="003-tier-2-caf-toolkit")
    page = html_of(client_for(auditor).get(section_url(audit, "assessment")))
    for ref, text in [("a", "Reason for the CAF assessment evident"),
                      ("b", "Evidence of multi-agency involvement"),
                      ("c", "Quality and robustness of information gathering"),
                      ("d", "Quality of assessment in respect of strengths within family"),
                      ("e", "Quality of assessment in respect of need"),
                      ("f", "Quality of assessment in respect of risk evidenced"),
                      ("f (i)", "Underlying Risk Factors highlighted"),
                      ("f (ii)", "High Risk Indicators highlighted"),
                      ("f (iii)", "Have the ACE questions been asked?"),
                      ("g", "Consideration of all children in the family"),
                      ("h", "The impact of the child&#39;s and parent/carer age"),
                      ("i", "The voice of the child is clearly evidenced"),
                      ("j", "Involvement of parents/carers and relevant parties"),
                      ("k", "Quality of narrative and analysis"),
                      ("l", "Is CAF the right threshold for the case"),
                      ("m", "Is there a clear SMART plan identified"),
                      ("n", "Please provide a short overview")]:
        assert f"{ref}. {text}" in page, ref
    # Guidance beside each: short as a hint, long in a details component.
    assert "Use the CoNR model in conjunction with the assessment to assess thresholds." in page
    assert "Clinical methods: relevant people have been spoken to" in page
    assert "Dad to develop his knowledge and understanding" in page  # m's SMART example
    # 003: every comment box must be completed; f (i) and f (ii) are the tool's exceptions.
    assert re.search(r'for="assessment.0.reason-comment">Comments<span', page)
    assert re.search(r'for="assessment.0.risk_urf-comment">Comments \(optional\)', page)
    assert "Grade for Child And Family Assessment" in page
    assert "Case File Grading" in page  # the grade scale's name in the hint


def test_003_step_down_section_applies_only_to_a_step_down(auditor, client_for):
    audit = make_audit(auditors=[auditor], tool_key="003-tier-2-caf-toolkit")
    client = client_for(auditor)
    page = html_of(client.get(reverse("audits:audit_detail", args=[audit.pk])))
    assert "2. Is the CAF a Step-down from Children&#39;s Social Care</div>" in page
    assert "Does not apply" in page
    assert "This section does not apply" in html_of(client.get(section_url(audit,
                                                                           "step_down")))
    # Nothing is saved in a section that does not apply.
    response = client.post(section_url(audit, "step_down"), {"step_down.0.overview": "yes"})
    assert response["Location"] == section_url(audit, "assessment")
    assert not audit.answers.exists()
    Case.objects.filter(pk=audit.case_id).update(step=Case.Step.STEP_DOWN)
    page = html_of(client.get(reverse("audits:audit_detail", args=[audit.pk])))
    assert 'href="' + section_url(audit, "step_down") in page


def test_the_case_and_its_history_sit_beside_every_page(auditor, client_for):
    key_worker = PersonFactory(full_name="Kim Holder")
    earlier = PersonFactory(full_name="Lee Before")
    case = CaseFactory(key_worker=key_worker, reference="EH-4242", child_identifier="CH-77")
    InvolvementFactory(case=case, person=earlier, started_on=dt.date(2025, 6, 1),
                       ended_on=dt.date(2025, 12, 31))
    InvolvementFactory(case=case, person=key_worker, started_on=dt.date(2026, 1, 1))
    audit = make_audit(case=case, auditors=[auditor], period_end=dt.date(2026, 6, 30))
    client = client_for(auditor)
    for url in (reverse("audits:audit_detail", args=[audit.pk]),
                section_url(audit, "assessment"),
                reverse("audits:audit_overall", args=[audit.pk]),
                reverse("audits:audit_check", args=[audit.pk])):
        page = html_of(client.get(url))
        assert "EH-4242" in page and "CH-77" in page
        assert "Lee Before: Key worker / lead professional, 1 June 2025 to 31 December 2025" \
            in page
        assert "Kim Holder: Key worker / lead professional, 1 January 2026 to now" in page
        assert "30 December 2025 to 30 June 2026" in page  # the period under review


# Saving the page without JavaScript ----------------------------------------------------


def test_save_and_continue_saves_what_changed_and_goes_to_the_next_section(auditor,
                                                                           client_for):
    audit = every_answer_audit([auditor])
    response = client_for(auditor).post(section_url(audit, "answers"), {
        "answers.0.grade_q": "fair", "answers.0.grade_q-comment": "Some gaps",
        "answers.0.number_q": "4", "answers.0.date_q-day": "3",
        "answers.0.date_q-month": "4", "answers.0.date_q-year": "2026",
        "answers.0.multi_q": ["isolation", "poverty"], "answers.0.text_q": "A summary\r\n",
        # An untouched empty field: the page sends what it loaded.
        "answers.0.rag_q-was": fingerprint(None, ""),
    })
    assert response.status_code == 302
    assert response["Location"] == section_url(audit, "maybe")
    saved = {a.question_key: (a.value, a.comment) for a in audit.answers.all()}
    assert saved == {
        "grade_q": ("fair", "Some gaps"), "number_q": (4, ""), "date_q": ("2026-04-03", ""),
        "multi_q": (["poverty", "isolation"], ""), "text_q": ("A summary", ""),
    }
    audit.refresh_from_db()
    assert audit.status == S.IN_PROGRESS


def test_pressing_save_and_continue_twice_is_harmless(auditor, partner, client_for):
    audit = every_answer_audit([auditor, partner])
    client = client_for(auditor)
    page = {"answers.0.yes_q": "yes", "answers.0.yes_q-comment": "On file",
            "answers.0.yes_q-revision": "", "answers.0.yes_q-was": fingerprint(None, "")}
    first = client.post(section_url(audit, "answers"), page)
    second = client.post(section_url(audit, "answers"), page)  # the same form, again
    assert first.status_code == second.status_code == 302
    answer = audit.answers.get()
    assert (answer.value, answer.comment) == ("yes", "On file")


def test_save_and_come_back_later_returns_to_the_audit(auditor, client_for):
    audit = every_answer_audit([auditor])
    response = client_for(auditor).post(section_url(audit, "answers"),
                                        {"answers.0.yes_q": "yes", "then": "later"})
    assert response["Location"] == reverse("audits:audit_detail", args=[audit.pk])


def test_the_last_section_goes_to_the_overall_grade_then_to_check(auditor, client_for):
    audit = every_answer_audit([auditor])
    client = client_for(auditor)
    assert client.post(section_url(audit, "actions"), {})["Location"] == \
        reverse("audits:audit_overall", args=[audit.pk])
    assert client.post(reverse("audits:audit_overall", args=[audit.pk]), {})["Location"] == \
        reverse("audits:audit_check", args=[audit.pk])


def test_a_wrong_answer_is_shown_the_gov_uk_way_and_the_rest_is_saved(auditor, client_for):
    audit = every_answer_audit([auditor])
    response = client_for(auditor).post(section_url(audit, "answers"), {
        "answers.0.number_q": "eleven", "answers.0.yes_q": "yes",
        "answers.0.date_q-day": "31", "answers.0.date_q-month": "2",
        "answers.0.date_q-year": "2026",
    })
    assert response.status_code == 400
    page = html_of(response)
    assert "<title>Error:" in page
    assert '<a href="#answers.0.number_q">Enter a whole number from 0 to 10' in page
    assert '<a href="#answers.0.date_q">The date must be a real date' in page
    assert 'value="eleven"' in page  # what was typed stays to be corrected
    assert audit.answers.get(question_key="yes_q").value == "yes"
    assert not audit.answers.filter(question_key="number_q").exists()


def test_saving_the_page_leaves_a_partners_answer_to_an_untouched_field(auditor, partner,
                                                                        client_for):
    audit = every_answer_audit([auditor, partner])
    # The auditor's page loaded with the field empty; the partner answers it meanwhile.
    services.answer_save(audit=audit, actor=partner, section_key="answers",
                         question_key="rag_q", value="green", seen_revision=None)
    response = client_for(auditor).post(section_url(audit, "answers"), {
        "answers.0.rag_q-was": fingerprint(None, ""), "answers.0.rag_q-revision": "",
        "answers.0.yes_q": "no",
    })
    assert response.status_code == 302
    assert audit.answers.get(question_key="rag_q").value == "green"


def test_saving_the_page_shows_a_clash_with_a_partner_and_never_overwrites(
        auditor, partner, client_for):
    audit = every_answer_audit([auditor, partner])
    services.answer_save(audit=audit, actor=partner, section_key="answers",
                         question_key="yes_q", value="yes", comment="Genogram on file",
                         seen_revision=None)
    client = client_for(auditor)
    response = client.post(section_url(audit, "answers"), {
        "answers.0.yes_q": "no", "answers.0.yes_q-comment": "No genogram",
        "answers.0.yes_q-was": fingerprint(None, ""), "answers.0.yes_q-revision": "",
    })
    assert response.status_code == 400
    page = html_of(response)
    assert f"{partner.full_name} saved a different answer while you were working" in page
    assert "Their answer: <strong>Yes</strong>. Their comment: Genogram on file" in page
    assert "No genogram</textarea>" in page  # the auditor's own answer is still there
    assert audit.answers.get(question_key="yes_q").value == "yes"
    # The page now carries the partner's revision: saving again keeps the auditor's answer.
    revision = re.search(r'name="answers.0.yes_q-revision" value="(\d+)"', page).group(1)
    was = re.search(r'name="answers.0.yes_q-was" value="(\w+)"', page).group(1)
    again = client.post(section_url(audit, "answers"), {
        "answers.0.yes_q": "no", "answers.0.yes_q-comment": "No genogram",
        "answers.0.yes_q-was": was, "answers.0.yes_q-revision": revision,
    })
    assert again.status_code == 302
    assert (audit.answers.get(question_key="yes_q").value,
            audit.answers.get(question_key="yes_q").comment) == ("no", "No genogram")


def test_the_auditors_own_autosave_landing_first_is_no_clash(auditor, client_for):
    audit = every_answer_audit([auditor])
    client = client_for(auditor)
    # The radio's autosave reaches the server just before the page's own save...
    autosave(client, audit, "answers.0.rag_q", {"answers.0.rag_q": "red",
                                                "answers.0.rag_q-revision": ""})
    # ...which still carries the revision the page loaded with.
    response = client.post(section_url(audit, "answers"), {
        "answers.0.rag_q": "red", "answers.0.rag_q-comment": "Nothing started",
        "answers.0.rag_q-revision": "", "answers.0.rag_q-was": fingerprint(None, "")})
    assert response.status_code == 302
    saved = audit.answers.get(question_key="rag_q")
    assert (saved.value, saved.comment, saved.revision) == ("red", "Nothing started", 2)


# Autosave --------------------------------------------------------------------------------


def autosave(client: Client, audit: Audit, field: str, data: dict[str, object]):  # type: ignore[no-untyped-def]
    return client.post(save_url(audit), {"field": field, **data})


def test_autosave_saves_one_answer_and_returns_its_new_revision(auditor, client_for):
    audit = every_answer_audit([auditor])
    client = client_for(auditor)
    r = autosave(client, audit, "answers.0.number_q", {"answers.0.number_q": "7",
                                                      "answers.0.number_q-comment": "Weekly"})
    assert r.status_code == 200
    data = r.json()
    assert data["status"] == "saved" and data["revision"] == 1
    assert data["was"] == fingerprint(7, "Weekly")
    r = autosave(client, audit, "answers.0.number_q", {
        "answers.0.number_q": "8", "answers.0.number_q-comment": "Weekly",
        "answers.0.number_q-revision": "1", "answers.0.number_q-was": data["was"]})
    assert r.json()["revision"] == 2
    assert audit.answers.get(question_key="number_q").value == 8


def test_autosave_of_the_same_answer_twice_is_harmless(auditor, client_for):
    audit = every_answer_audit([auditor])
    client = client_for(auditor)
    body = {"answers.0.yes_q": "yes", "answers.0.yes_q-revision": ""}
    assert autosave(client, audit, "answers.0.yes_q", body).json()["status"] == "saved"
    # A retry after a dropped connection sends the same answer with the old revision.
    again = autosave(client, audit, "answers.0.yes_q", body)
    assert again.status_code == 200 and again.json()["status"] == "saved"
    assert audit.answers.count() == 1


def test_autosave_conflict_shows_both_answers_and_keep_mine_overwrites(auditor, partner,
                                                                       client_for):
    audit = every_answer_audit([auditor, partner])
    services.answer_save(audit=audit, actor=partner, section_key="answers",
                         question_key="choice_q", value="carer", comment="Spoke to the carer",
                         seen_revision=None)
    client = client_for(auditor)
    r = autosave(client, audit, "answers.0.choice_q", {
        "answers.0.choice_q": "parent", "answers.0.choice_q-revision": "",
        "answers.0.choice_q-was": fingerprint(None, "")})
    assert r.status_code == 409
    data = r.json()
    assert data["status"] == "conflict" and data["revision"] == 1
    assert data["theirs"]["display"] == "Carer"
    assert data["theirs"]["comment"] == "Spoke to the carer"
    assert data["theirs"]["by"] == partner.full_name
    assert ["answers.0.choice_q", "carer"] in data["theirs"]["inputs"]
    assert audit.answers.get().value == "carer"  # nothing overwritten
    # "Keep mine".
    r = autosave(client, audit, "answers.0.choice_q", {
        "answers.0.choice_q": "parent", "answers.0.choice_q-revision": "1",
        "answers.0.choice_q-was": data["was"], "overwrite": "1"})
    assert r.json()["status"] == "saved"
    assert audit.answers.get().value == "parent"


def test_use_theirs_gives_the_date_back_as_the_pages_three_boxes(auditor, partner,
                                                                client_for):
    audit = every_answer_audit([auditor, partner])
    services.answer_save(audit=audit, actor=partner, section_key="answers",
                         question_key="date_q", value="2026-03-09", seen_revision=None)
    r = autosave(client_for(auditor), audit, "answers.0.date_q", {
        "answers.0.date_q-day": "1", "answers.0.date_q-month": "3",
        "answers.0.date_q-year": "2026", "answers.0.date_q-revision": ""})
    theirs = r.json()["theirs"]
    assert theirs["display"] == "9 March 2026"
    assert theirs["inputs"] == [["answers.0.date_q-day", "9"],
                                ["answers.0.date_q-month", "3"],
                                ["answers.0.date_q-year", "2026"]]


def test_autosave_refuses_a_wrong_answer_or_a_field_the_tool_does_not_have(auditor,
                                                                          client_for):
    audit = every_answer_audit([auditor])
    client = client_for(auditor)
    r = autosave(client, audit, "answers.0.number_q", {"answers.0.number_q": "12"})
    assert r.status_code == 400
    assert r.json()["message"] == "Not saved: Enter a whole number from 0 to 10"
    r = autosave(client, audit, "answers.0.nothing", {"answers.0.nothing": "x"})
    assert r.status_code == 400
    r = autosave(client, audit, "kids.5.seen", {"kids.5.seen": "yes"})  # no sixth child
    assert r.status_code == 400
    assert not audit.answers.exists()


def test_autosave_on_the_overall_grade_says_when_a_reason_is_needed(auditor, client_for):
    audit = every_answer_audit([auditor])
    services.answer_save(audit=audit, actor=auditor, section_key="answers",
                         question_key="__grade__", value="fair", seen_revision=None)
    client = client_for(auditor)
    r = autosave(client, audit, "__overall__.0.__grade__", {"__overall__.0.__grade__": "good"})
    assert r.json()["reason_needed"] == "the overall grade is better than every section grade"
    r = autosave(client, audit, "__overall__.0.__grade__", {
        "__overall__.0.__grade__": "fair", "__overall__.0.__grade__-revision": "1",
        "__overall__.0.__grade__-was": r.json()["was"]})
    assert r.json()["reason_needed"] == ""


def test_autosave_wrong_method_wrong_state_and_wrong_person(auditor, client_for,
                                                           qa_manager_client):
    audit = every_answer_audit([auditor])
    client = client_for(auditor)
    assert client.get(save_url(audit)).status_code == 405
    body = {"answers.0.yes_q": "yes"}
    assert autosave(qa_manager_client, audit, "answers.0.yes_q", body).status_code == 404
    services.audit_withdraw(audit=audit, actor=auditor, reason="Case transferred")
    r = autosave(client, audit, "answers.0.yes_q", body)
    assert r.status_code == 409 and r.json()["status"] == "closed"
    assert "withdrawn" in r.json()["message"]


# The overall grade -----------------------------------------------------------------------


def test_overall_page_suggests_the_median_and_warns_when_a_reason_is_needed(auditor,
                                                                           client_for):
    audit = make_audit(auditors=[auditor])  # 002: the median of the six areas
    for key, grade in [("help_protection_stability", "good"), ("assessment", "good"),
                       ("recording_communication", "requires_improvement")]:
        services.answer_save(audit=audit, actor=auditor, section_key=key,
                             question_key="__grade__", value=grade, seen_revision=None)
    page = html_of(client_for(auditor).get(reverse("audits:audit_overall", args=[audit.pk])))
    assert "Suggested grade: <strong>Good</strong>" in page
    assert "Recording &amp; communication: <strong>Requires improvement to be good</strong>" \
        in page
    audit_001 = make_audit(auditors=[auditor], tool_key="001-early-help-case-audit")
    services.answer_save(audit=audit_001, actor=auditor, section_key="assessment",
                         question_key="__grade__", value="requires_improvement",
                         seen_revision=None)
    services.answer_save(audit=audit_001, actor=auditor, section_key="__overall__",
                         question_key="__grade__", value="good", seen_revision=None)
    page = html_of(client_for(auditor).get(reverse("audits:audit_overall",
                                                   args=[audit_001.pk])))
    assert "the overall grade is better than every section grade</span>." in page
    assert "data-reason-needed-box>" in page  # shown, not hidden


# Who may open it ------------------------------------------------------------------------


def test_current_auditors_edit_and_the_qa_team_reads(auditor, client_for, role_client):
    audit = make_audit(auditors=[auditor])
    detail = reverse("audits:audit_detail", args=[audit.pk])
    mine = html_of(client_for(auditor).get(detail))
    assert 'href="' + section_url(audit, "assessment") in mine
    assert "Check your answers and submit" in mine
    for role in ("qa_manager", "head_of_qa", "early_help_officer", "assistant_director",
                 "principal_social_worker"):
        client, _ = role_client(role)
        response = client.get(detail)
        assert response.status_code == 200, role
        assert 'href="' + section_url(audit, "assessment") not in html_of(response)
        assert "Not yet: the answers below may still change." in html_of(response)
        for url in (section_url(audit, "assessment"),
                    reverse("audits:audit_overall", args=[audit.pk]),
                    reverse("audits:audit_check", args=[audit.pk])):
            assert client.get(url).status_code == 404, (role, url)
        assert client.post(reverse("audits:audit_submit", args=[audit.pk])).status_code == 404


def test_people_with_no_relationship_to_the_audit_get_not_found(role_client):
    audit = make_audit()
    for role in ("auditor", "practitioner", "team_manager", "service_manager", "iro",
                 "moderator", "senior_leader"):
        client, _ = role_client(role)
        assert client.get(reverse("audits:audit_detail", args=[audit.pk])).status_code == 404


def test_an_auditor_whose_assignment_ended_can_no_longer_edit(auditor, client_for):
    audit = make_audit(auditors=[auditor])
    services.assignment_end(assignment=audit.assignments.get(), actor=None, reason="On leave")
    client = client_for(auditor)
    assert client.get(section_url(audit, "assessment")).status_code == 404
    assert client.get(reverse("audits:audit_detail", args=[audit.pk])).status_code == 404


def test_the_practitioner_and_their_managers_read_it_once_the_framework_allows(
        auditor, person_with_role, client_for):
    manager = person_with_role("service_manager")
    team_manager = person_with_role("team_manager", line_manager=manager)
    worker = person_with_role("practitioner", line_manager=team_manager)
    audit = make_audit(auditors=[auditor], case=CaseFactory(key_worker=worker))
    detail = reverse("audits:audit_detail", args=[audit.pk])
    row = framework_settings_row()
    row.practitioner_sees_audit = FrameworkSettings.PractitionerSees.ON_SUBMIT
    row.save()
    for person in (worker, team_manager, manager):
        assert client_for(person).get(detail).status_code == 404  # not finished yet
    complete_audit(audit, auditor)
    services.audit_submit(audit=audit, actor=auditor)
    for person in (worker, team_manager, manager):
        response = client_for(person).get(detail)
        assert response.status_code == 200
        page = html_of(response)
        assert "Submitted" in page and "Check your answers and submit" not in page
        assert "The evidence for the grade" in page
        assert client_for(person).get(section_url(audit, "assessment")).status_code == 404
    row.practitioner_sees_audit = FrameworkSettings.PractitionerSees.AFTER_QA_MEETING
    row.save()
    assert client_for(worker).get(detail).status_code == 404


def test_every_view_of_an_audit_is_logged(auditor, client_for, qa_manager_client):
    audit = make_audit(auditors=[auditor])
    client = client_for(auditor)
    urls = [reverse("audits:audit_detail", args=[audit.pk]), section_url(audit, "assessment"),
            reverse("audits:audit_overall", args=[audit.pk]),
            reverse("audits:audit_check", args=[audit.pk])]
    for url in urls:
        client.get(url)
    qa_manager_client.get(urls[0])
    rows = AccessLog.objects.filter(object_type="audit", object_id=str(audit.pk))
    assert sorted(r.path for r in rows) == sorted([*urls, urls[0]])
    assert rows.filter(user=auditor.user).count() == 4


def test_a_finished_audit_opens_read_only_for_its_auditor(auditor, client_for):
    audit = make_audit(auditors=[auditor])
    complete_audit(audit, auditor)
    services.audit_submit(audit=audit, actor=auditor)
    client = client_for(auditor)
    response = client.get(section_url(audit, "assessment"))
    assert response.status_code == 302
    assert response["Location"] == reverse("audits:audit_detail", args=[audit.pk])
    assert client.post(section_url(audit, "assessment"), {}).status_code == 302
    assert client.get(reverse("audits:audit_check", args=[audit.pk])).status_code == 302
    page = html_of(client.get(reverse("audits:audit_detail", args=[audit.pk])))
    assert f"by {auditor.full_name}" in page


def test_an_unknown_section_is_not_found_and_a_put_is_refused(auditor, client_for):
    audit = make_audit(auditors=[auditor])
    client = client_for(auditor)
    assert client.get(section_url(audit, "no_such_section")).status_code == 404
    assert client.put(section_url(audit, "assessment")).status_code == 405
    assert client.post(reverse("audits:audit_detail", args=[audit.pk])).status_code == 405


# Lists, home and navigation ---------------------------------------------------------------


@time_machine.travel(dt.datetime(2026, 7, 1, 12, tzinfo=dt.UTC), tick=False)
def test_your_audits_lists_current_assignments_with_due_dates_and_status(auditor,
                                                                        client_for):
    overdue = make_audit(auditors=[auditor], due_on=dt.date(2026, 6, 1))
    later = make_audit(auditors=[auditor], due_on=dt.date(2026, 8, 1))
    ended = make_audit(auditors=[auditor])
    services.assignment_end(assignment=ended.assignments.get(), actor=None, reason="Swapped")
    someone_elses = make_audit()
    page = html_of(client_for(auditor).get(reverse("audits:audit_list")))
    assert overdue.case.reference in page and later.case.reference in page
    assert ended.case.reference not in page and someone_elses.case.reference not in page
    assert "1 June 2026 <strong class=\"govuk-tag govuk-tag--red\">Overdue</strong>" in page
    assert "Every open audit" not in page and "Create an audit" not in page


def test_the_qa_team_sees_every_open_audit_filtered_by_status(qa_manager_client):
    allocated = make_audit()
    withdrawn = make_audit()
    services.audit_withdraw(audit=withdrawn, actor=None, reason="Transferred")  # type: ignore[arg-type]
    page = html_of(qa_manager_client.get(reverse("audits:audit_list")))
    assert "Every open audit" in page and "Create an audit" in page
    assert allocated.case.reference in page and withdrawn.case.reference not in page
    page = html_of(qa_manager_client.get(reverse("audits:audit_list"), {"status": "withdrawn"}))
    assert withdrawn.case.reference in page and allocated.case.reference not in page


def test_audit_lists_take_a_fixed_number_of_queries(auditor, client_for, qa_manager_client,
                                                    django_assert_max_num_queries):
    client = client_for(auditor)
    make_audit(auditors=[auditor, PersonFactory()])
    # Two more than before (9 and 11): the access log's rows for the audits listed (one
    # insert) and the signed-in session's own row (people.UserSession).
    with django_assert_max_num_queries(11):
        client.get(reverse("audits:audit_list"))
    with django_assert_max_num_queries(13):
        qa_manager_client.get(reverse("audits:audit_list"))
    for _ in range(8):
        make_audit(auditors=[auditor, PersonFactory()])
    with django_assert_max_num_queries(11):
        assert client.get(reverse("audits:audit_list")).status_code == 200
    with django_assert_max_num_queries(13):
        assert qa_manager_client.get(reverse("audits:audit_list")).status_code == 200
    # Each audit listed is in the access log: the auditor's nine, once each.
    from auditloop.common.models import AccessLog

    listed = AccessLog.objects.filter(user=auditor.user, action="list", object_type="audit")
    assert listed.values("object_id").distinct().count() == 9


def test_audit_pages_take_a_fixed_number_of_queries(auditor, client_for,
                                                    django_assert_max_num_queries):
    audit = make_audit(auditors=[auditor], tool_key="003-tier-2-caf-toolkit")
    complete_audit(audit, auditor)
    client = client_for(auditor)
    # Each count includes one for the session's own row (people.UserSession): +1 on each.
    with django_assert_max_num_queries(15):  # 14th: conversations held short, flagged
        client.get(reverse("audits:audit_detail", args=[audit.pk]))
    with django_assert_max_num_queries(14):
        client.get(section_url(audit, "assessment"))
    with django_assert_max_num_queries(15):
        client.get(reverse("audits:audit_check", args=[audit.pk]))
    with django_assert_max_num_queries(20):
        autosave(client, audit, "consent.0.consents", {"consent.0.consents": "no",
                                                       "consent.0.consents-revision": "1"})


@time_machine.travel(dt.datetime(2026, 7, 1, 12, tzinfo=dt.UTC), tick=False)
def test_home_shows_the_audits_to_do(auditor, client_for):
    client = client_for(auditor)
    assert "Audits to do" not in html_of(client.get("/"))
    make_audit(auditors=[auditor], due_on=dt.date(2026, 6, 1))
    make_audit(auditors=[auditor], due_on=dt.date(2026, 9, 1))
    page = html_of(client.get("/"))
    assert "Audits to do" in page
    assert "1 overdue audit" in page and "2 audits to do" in page


def test_the_audits_entry_shows_for_those_who_audit_or_see_every_case(role_client):
    for role, shown in [("auditor", True), ("qa_manager", True), ("early_help_officer", True),
                        ("practitioner", False), ("senior_leader", False)]:
        client, _ = role_client(role)
        # In the navigation itself, or (a person with many pages) on running the month's.
        page = html_of(client.get("/"))
        month = client.get(reverse("work_group", args=["month"]))
        if month.status_code == 200:
            page += html_of(month)
        assert (f'href="{reverse("audits:audit_list")}"' in page) is shown, role


def test_saved_status_text_is_announced_to_screen_readers(auditor, client_for):
    audit = every_answer_audit([auditor])
    page = html_of(client_for(auditor).get(section_url(audit, "answers")))
    assert page.count('role="status" data-save-status') == len(
        re.findall(r'data-field="answers\.', page))


def test_autosave_answers_are_json_for_the_script(auditor, client_for):
    audit = every_answer_audit([auditor])
    r = autosave(client_for(auditor), audit, "kids.0.seen", {"kids.0.seen": "yes"})
    assert r["Content-Type"] == "application/json"
    assert json.loads(r.content)["status"] == "saved"

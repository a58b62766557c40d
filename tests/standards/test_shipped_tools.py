"""The shipped tools: each loads, and its questions' count and wording match the seed."""

from __future__ import annotations

import re
from importlib import resources

import pytest

from auditloop.standards import presets, schema
from tests.standards.conftest import question, section

LETTERS = "abcdefghijklmn"


def _refs(definition, key):  # type: ignore[no-untyped-def]
    return [q["ref"] for q in section(definition, key)["questions"]]


def test_every_shipped_tool_loads(shipped):
    assert set(shipped) == {
        "000-eha-quality-standards", "001-early-help-case-audit", "001-perspective-of-worker",
        "002-six-key-areas", "003-tier-2-caf-toolkit", "003-tier-1-quality-control",
        "004-focus-areas",
    }
    for key, d in shipped.items():
        assert d["key"] == key
        assert d["seed"] == key[:3]


def test_caf_toolkit_sections_run_as_in_the_seed(shipped):
    caf = shipped["003-tier-2-caf-toolkit"]
    assert [(s["ref"], s["title"]) for s in caf["sections"] if s["origin"] == "seed"
            and s["kind"] != "remedial_action"] == [
        ("1", "Consent"),
        ("2", "Is the CAF a Step-down from Children's Social Care"),
        ("3", "Child And Family Assessment"),
        ("4", "Team Around the Family"),
        ("5", "Monitoring and Management oversight"),
    ]
    assert _refs(caf, "consent") == ["a"]
    assert _refs(caf, "step_down") == list("abcde")
    # Section 3 runs a to n; f's lists of risk factors are f (i) to f (iii).
    assert [r for r in _refs(caf, "assessment") if len(r) == 1] == list(LETTERS)
    assert _refs(caf, "taf") == list("abcdefghi")
    assert _refs(caf, "oversight") == ["a", "b"]  # where the seed's text ends


def test_caf_toolkit_wording_and_guidance_are_the_seeds(shipped):
    caf = shipped["003-tier-2-caf-toolkit"]
    assert question(caf, "consent", "a")["text"] == "Have the relevant consents been obtained?"
    assert question(caf, "assessment", "c")["text"] == (
        "Quality and robustness of information gathering – clinical and actuarial")
    assert question(caf, "assessment", "l")["guidance"] == (
        "Use the CoNR model in conjunction with the assessment to assess thresholds.")
    assert question(caf, "taf", "a")["guidance"].startswith(
        "'Regular' TAF meetings are deemed as every 4-6 weeks, 8 weeks being acceptable.")
    assert question(caf, "taf", "h")["guidance"] == (
        "Either the CAF assessment has been updated within 12 months or there is a detailed "
        "record in the summary as to why this is not required.")
    assert "Amber: Some progress made/work still to do/On track to complete" in question(
        caf, "taf", "c")["guidance"]
    assert question(caf, "oversight", "b")["text"] == (
        "Evidence of ongoing, meaningful contact with child")
    assert question(caf, "step_down", "e")["text"] == "SMART outline plan"
    # Every question of sections 1 to 5 carries the seed's guidance note.
    for key in ("consent", "step_down", "assessment", "taf", "oversight"):
        for q in section(caf, key)["questions"]:
            if len(q["ref"]) == 1:
                assert q["guidance"], f"{key} {q['ref']} has no guidance"


def test_caf_toolkit_makes_every_comment_box_mandatory(shipped):
    caf = shipped["003-tier-2-caf-toolkit"]
    for s in caf["sections"]:
        if s["key"] in ("consent", "step_down", "assessment", "taf", "oversight"):
            for q in s["questions"]:
                if q["answer"] != "text" and len(q["ref"]) == 1:
                    assert q["comment"] == "required", (s["key"], q["ref"])
        if s["graded"]:
            assert s["evidence"] == "required"
    assert caf["overall"]["comment"] == "required"


def test_caf_toolkit_structure_step_down_children_and_remedial_action(shipped):
    caf = shipped["003-tier-2-caf-toolkit"]
    assert section(caf, "step_down")["applies_when"] == "step_down"
    each_child = section(caf, "each_child")
    assert each_child["repeat"] == "per_child" and each_child["origin"] == "draft"
    remedial = section(caf, "remedial_action")
    assert remedial["kind"] == "remedial_action" and remedial["repeat"] == "per_action"
    assert [q["text"] for q in remedial["questions"]][:6] == [
        "Issue", "Action", "By Whom", "By When", "Desired outcome",
        "How will we know if the plan has worked?"]
    assert remedial["questions"][-1]["answer"] == "rag"
    urf = question(caf, "assessment", "f (i)")
    hri = question(caf, "assessment", "f (ii)")
    assert urf["answer"] == hri["answer"] == "multiple_choice"
    assert len(urf["choices"]) == 17 and urf["choices"][0]["label"] == "Poverty"
    assert urf["choices"][-1]["label"] == "Unresolved loss of grief"
    assert len(hri["choices"]) == 16
    assert "Inability to keep self-safe" in [c["label"] for c in hri["choices"]]


def test_caf_grade_definitions_are_the_seeds(shipped):
    levels = shipped["003-tier-2-caf-toolkit"]["scales"]["ofsted_003"]["levels"]
    assert [lv["label"] for lv in levels] == [
        "Outstanding", "Good", "Requires Improvement", "Inadequate"]
    assert levels[3]["definition"] == (
        "The record does not demonstrate a suitable level of assurance. There are "
        "insufficiently planned, poor quality assessments, insufficient involvement of family "
        "and children.")


def test_tier_1_quality_control_is_a_marked_draft_applied_to_every_record(shipped):
    qc = shipped["003-tier-1-quality-control"]
    assert qc["purpose"] == "quality_control"
    assert qc["applies_to"] == ["assessment_completed", "taf_meeting", "closure"]
    assert schema.has_draft(qc) and qc["origin"] == "draft"


def test_eha_standards_take_each_standard_once(shipped):
    eha = shipped["000-eha-quality-standards"]
    assert [len(s["questions"]) for s in eha["sections"][:3]] == [13, 2, 9]
    texts = [q["text"] for s in eha["sections"][:3] for q in s["questions"]]
    assert len(texts) == len(set(texts))
    assert question(eha, "assessment", "7")["text"] == (
        "The assessment includes information from a range of agencies as appropriate")
    assert question(eha, "review_meeting", "7")["text"].startswith(
        "The initial review meeting is set six weeks after the Team around the Family meeting.")
    bottom = section(eha, "bottom_lines")
    assert bottom["kind"] == "checklist" and len(bottom["questions"]) == 7
    assert bottom["questions"][4]["text"] == "Genogram."
    impact = section(eha, "impact")["questions"][0]
    assert (impact["answer"], impact["min"], impact["max"]) == ("number", 0, 10)
    assert eha["scales"]["ofsted_000"]["levels"][2]["definition"] == (
        "Practice standards have been followed but with gaps in assessment, planning and "
        "direct work with child and family")


def test_early_help_domains_are_marked_drafts_with_the_seeds_grades(shipped):
    audit = shipped["001-early-help-case-audit"]
    assert audit["origin"] == "draft"
    graded = [s for s in audit["sections"] if s["graded"]]
    assert len(graded) == 5 and all(s["evidence"] == "required" for s in graded)
    scale = audit["scales"]["ofsted_001"]
    assert [lv["key"] for lv in scale["levels"]][-1] == "inadequate_critical"
    assert scale["levels"][1]["definition"].startswith(
        "There is evidence of good practice in this case")
    worker = shipped["001-perspective-of-worker"]
    assert worker["purpose"] == "worker_perspective" and worker["completed_by"] == "practitioner"
    assert worker["origin"] == "draft"


def test_six_key_areas_have_the_seeds_prompts(shipped):
    areas = shipped["002-six-key-areas"]
    graded = [s for s in areas["sections"] if s["graded"]]
    assert [(s["title"], len(s["questions"])) for s in graded] == [
        ("Help, protection and stability", 4),
        ("Recording & communication", 7),
        ("Assessment", 11),
        ("Relationship based practice and direct work", 5),
        ("Multi agency planning, analysis, review and decision making", 3),
        ("Role of supervision and management oversight", 6),
    ]
    assert all(q["origin"] == "seed" for s in graded for q in s["questions"])
    assert section(areas, "assessment")["questions"][8]["text"] == (
        "Are risks appropriately considered? Testing of hypothesis?")
    ungraded = {s["key"]: s for s in areas["sections"] if not s["graded"]}
    assert set(ungraded) == {"key_worker_conversation", "iro_conversation",
                             "team_manager_conversation", "family_feedback", "audit_actions"}
    # 002: "Actions generated through individual audits will be clearly recorded on the
    # audit form": one row per action, tracked once the audit is submitted.
    actions = ungraded["audit_actions"]
    assert (actions["kind"], actions["repeat"], actions["origin"]) == (
        "remedial_action", "per_action", "draft")
    assert "signing off by the allocated Team Manager" in actions["guidance"]
    family = {q["key"]: q for q in ungraded["family_feedback"]["questions"]}
    assert family["declined_reason"]["applies_when"] == {
        "answer": "family_feedback.engagement", "in": ["declined"]}
    assert [c["label"] for c in family["engagement"]["choices"]][1] == "Declined to engage"
    assert family["interpreter"]["text"] == "Was an interpreter or Language Line used?"
    assert areas["overall"]["suggestion"] == "median"
    assert "aggregated to arrive at a grade" in areas["overall"]["guidance"]


def test_focus_areas_are_tagged_by_the_childs_journey(shipped):
    focus = shipped["004-focus-areas"]
    graded = [s["title"] for s in focus["sections"] if s["graded"]]
    assert graded == [
        "Timeliness of the response to, management, and reduction of risk",
        "Robustness of the interventions and plans",
        "Challenge from IRO and CP Chairs when risk is identified",
        "Quality of management oversight and supervision",
    ]
    assert focus["tag_question"] == "journey.journey"
    journey = section(focus, "journey")["questions"][0]
    assert [c["key"] for c in journey["choices"]] == [
        "help_and_protection", "looked_after_and_permanence"]
    for s in focus["sections"]:
        if s["graded"]:
            findings = {q["finding"] for q in s["questions"]}
            assert {"strength", "development"} <= findings
            assert any(q["origin"] == "draft" for q in s["questions"])


def test_draft_wording_is_marked_where_the_seed_gives_none(shipped):
    assert schema.has_draft(shipped["001-early-help-case-audit"])
    assert schema.has_draft(shipped["001-perspective-of-worker"])
    assert schema.has_draft(shipped["003-tier-1-quality-control"])
    assert schema.has_draft(shipped["004-focus-areas"])
    assert not schema.has_draft(shipped["000-eha-quality-standards"])


# People named in the seeds are roles, never data.
NAMES = ["Tracy", "Lysons", "Janice", "Bryden", "Alexandra", "Burling", "Sonia", "Watson",
         "Gregg", "Macdonald", "Skye Stone"]


@pytest.mark.parametrize("folder", ["tools", "presets"])
def test_no_shipped_file_names_a_person(folder):
    for entry in resources.files("auditloop.standards").joinpath(folder).iterdir():
        text = entry.read_text("utf-8")
        for name in NAMES:
            assert not re.search(rf"\b{name}\b", text), f"{entry.name} names {name}"


def test_shipped_tool_files_explain_their_fields_at_the_top():
    for key in presets.shipped_tool_keys():
        text, _ = presets.shipped_tool_text(key)  # type: ignore[misc]
        head = text.split("\nformat:")[0]
        assert "Fields (docs/standards.md" in head and "answer:" in head, key

"""Changing a tool in the browser: each change makes a new version with the upload's checks
and diff; versions in use never change; old pages and double clicks lose nothing."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from auditloop.people.roles import Role
from auditloop.standards import diff, schema, services, tool_editor
from auditloop.standards.models import ToolUpload, ToolVersion
from tests.factories import PersonFactory
from tests.standards.conftest import SMALL_TOOL

pytestmark = pytest.mark.django_db

KEY = "small-tool"
TWO_QUESTIONS = SMALL_TOOL.replace(
    "        answer: yes_no\noverall:",
    "        answer: yes_no\n      - key: b\n        ref: b\n        text: Is the child seen?\n"
    "        answer: yes_no\noverall:")


@pytest.fixture
def manager(client_for):  # type: ignore[no-untyped-def]
    return client_for(PersonFactory(roles=[Role.QA_MANAGER]))


@pytest.fixture
def v1() -> ToolVersion:
    version, _ = services.tool_version_create(text=TWO_QUESTIONS, filename="small.yaml")
    return version


def _seen(client, url: str) -> str:  # type: ignore[no-untyped-def]
    page = client.get(url).content.decode()
    match = re.search(r'name="seen" (?:type="hidden" )?value="([^"]+)"', page) or re.search(
        r'type="hidden" name="seen" value="([^"]+)"', page)
    assert match, page
    return match.group(1)


def _start(client):  # type: ignore[no-untyped-def]
    response = client.post(reverse("standards:tool_edit_start", args=[KEY]))
    assert response.status_code == 302
    return services.open_draft(KEY)


def _q_url(name: str, q: str = "a") -> str:
    return reverse(f"standards:{name}", args=[KEY, "first", q])


def _save(client, note: str = "") -> ToolVersion:  # type: ignore[no-untyped-def]
    url = reverse("standards:tool_edit_review", args=[KEY])
    response = client.post(url, {"seen": _seen(client, url), "note": note})
    assert response.status_code == 302, response.content.decode()[:3000]
    return ToolVersion.objects.filter(tool__key=KEY).order_by("-number").first()  # type: ignore[return-value]


def _texts(version: ToolVersion) -> list[str]:
    return [q["text"] for q in version.definition["sections"][0]["questions"]]


def test_rewording_a_question_makes_a_new_version_with_the_diff(manager, v1):  # type: ignore[no-untyped-def]
    _start(manager)
    url = _q_url("tool_edit_question")
    response = manager.post(url, {"seen": _seen(manager, url), "text": "Is the plan SMART and "
                                  "current?", "guidance": "Look at the plan and its dates.",
                                  "answer": "yes_no", "ref": "a"})
    assert response.status_code == 302
    review = manager.get(reverse("standards:tool_edit_review", args=[KEY])).content.decode()
    assert "Is the plan SMART and current?" in review and "Save as version 2" in review
    v2 = _save(manager, "Clearer wording")
    assert v2.number == 2 and v2.note == "Clearer wording"
    assert _texts(v2)[0] == "Is the plan SMART and current?"
    assert v2.definition["sections"][0]["questions"][0]["guidance"] == \
        "Look at the plan and its dates."
    changes = diff.tool_changes(v1.definition, v2.definition)
    assert [(c.kind, c.what) for c in changes] == [("changed", "wording"), ("changed", "guidance")]
    # The saved file is an ordinary tool file: the upload's checks read it the same way.
    assert schema.parse_tool(v2.source) == v2.definition
    page = manager.get(reverse("standards:tool_version", args=[KEY, 2])).content.decode()
    assert "What changed in version 2" in page and "Is the plan SMART and current?" in page
    assert services.open_draft(KEY) is None


def test_adding_moving_and_removing_questions(manager, v1):  # type: ignore[no-untyped-def]
    _start(manager)
    add = reverse("standards:tool_edit_question_add", args=[KEY, "first"])
    response = manager.post(add, {"seen": _seen(manager, add), "text": "Were the child's "
                                  "wishes recorded?", "answer": "choice",
                                  "choices": "Yes, in their words\nNo"})
    assert response.status_code == 302
    edit = reverse("standards:tool_edit", args=[KEY])
    response = manager.post(_q_url("tool_edit_question_move", "b"),
                            {"seen": _seen(manager, edit), "direction": "up"})
    assert response.status_code == 302
    v2 = _save(manager)
    assert _texts(v2) == ["Is the child seen?", "Is the plan SMART?",
                          "Were the child's wishes recorded?"]
    added = v2.definition["sections"][0]["questions"][2]
    assert added["answer"] == "choice" and [c["label"] for c in added["choices"]] == [
        "Yes, in their words", "No"]
    changes = diff.tool_changes(v1.definition, v2.definition)
    assert [(c.kind, c.what) for c in changes] == [("added", ""),
                                                   ("moved", "order of the questions")]
    assert changes[0].new == "Were the child's wishes recorded?"
    assert v2.note == "Changed in the browser"

    _start(manager)
    remove = _q_url("tool_edit_question_remove", "a")
    assert "Are you sure" in manager.get(remove).content.decode()
    manager.post(remove, {"seen": _seen(manager, remove)})
    v3 = _save(manager)
    assert _texts(v3) == ["Is the child seen?", "Were the child's wishes recorded?"]
    changes = diff.tool_changes(v2.definition, v3.definition)
    assert [(c.kind, c.old) for c in changes] == [("removed", "Is the plan SMART?")]


def test_section_guidance_and_grade_scale_changes(manager, v1):  # type: ignore[no-untyped-def]
    _start(manager)
    url = reverse("standards:tool_edit_section", args=[KEY, "first"])
    manager.post(url, {"seen": _seen(manager, url), "title": "First section",
                       "guidance": "Read the whole file.\nThen talk to the worker.",
                       "scale": ""})
    url = reverse("standards:tool_edit_grades", args=[KEY, "four"])
    manager.post(url, {"seen": _seen(manager, url), "name": "Four grades",
                       "label_good": "Good", "definition_good": "Work that helps the child",
                       "label_poor": "Requires improvement", "definition_poor": "Poor work"})
    url = reverse("standards:tool_edit_scale", args=[KEY])
    response = manager.post(url, {"seen": _seen(manager, url), "scale": "ofsted_four"})
    assert response.status_code == 302
    v2 = _save(manager)
    section = v2.definition["sections"][0]
    assert section["guidance"] == "Read the whole file.\nThen talk to the worker."
    assert section["scale"] == "ofsted_four" and v2.definition["overall"]["scale"] == "ofsted_four"
    changes = diff.tool_changes(v1.definition, v2.definition)
    wheres = {c.where for c in changes}
    assert "Grade scale “Four grades”" in wheres  # no longer used: removed
    assert any(c.what == "guidance" for c in changes)


def test_grade_labels_and_definitions_change(manager, v1):  # type: ignore[no-untyped-def]
    _start(manager)
    url = reverse("standards:tool_edit_grades", args=[KEY, "four"])
    manager.post(url, {"seen": _seen(manager, url), "name": "Four grades",
                       "label_good": "Good", "definition_good": "Work that helps the child",
                       "label_poor": "Requires improvement", "definition_poor": "Poor work"})
    v2 = _save(manager)
    levels = v2.definition["scales"]["four"]["levels"]
    assert [lv["label"] for lv in levels] == ["Good", "Requires improvement"]
    assert levels[0]["definition"] == "Work that helps the child"
    if "definition_source" in schema.LEVEL.fields:
        assert levels[0]["definition_source"] == "draft"  # the council's words, not the seed's
    what = {(c.where, c.what) for c in diff.tool_changes(v1.definition, v2.definition)}
    assert ("Grade scale “Four grades”, grade Good", "definition") in what


def test_an_invalid_change_is_refused_with_the_uploads_message(manager, v1):  # type: ignore[no-untyped-def]
    _start(manager)
    before = services.open_draft(KEY).source  # type: ignore[union-attr]
    url = _q_url("tool_edit_question")
    long_text = "x" * 20001
    response = manager.post(url, {"seen": _seen(manager, url), "text": long_text,
                                  "answer": "yes_no"})
    page = response.content.decode()
    upload_message = "is 20001 characters long; the most is 20000"
    with pytest.raises(schema.FileProblems) as exc:
        schema.parse_tool(TWO_QUESTIONS.replace("text: Is the plan SMART?",
                                                f"text: {long_text}"))
    assert upload_message in str(exc.value.problems[0])
    assert response.status_code == 200 and upload_message in page
    # A choice answer with one choice: the upload's own cross-check, word for word.
    response = manager.post(url, {"seen": _seen(manager, url), "text": "Which?",
                                  "answer": "choice", "choices": ""})
    assert "a choice answer needs a list of at least two choices" in response.content.decode()
    # Removing a section's only question: "needs at least 1 item", as for a file.
    manager.post(_q_url("tool_edit_question_remove", "b"), {"seen": _seen(manager, url)})
    remove = _q_url("tool_edit_question_remove", "a")
    response = manager.post(remove, {"seen": _seen(manager, remove)})
    assert "needs at least 1 item" in response.content.decode()
    assert len(tool_editor.read(services.open_draft(KEY).source)[1]["sections"][0]  # type: ignore[union-attr]
               ["questions"]) == 1
    assert before != services.open_draft(KEY).source  # type: ignore[union-attr]


def test_a_version_in_use_is_never_changed(manager, v1):  # type: ignore[no-untyped-def]
    services.tool_version_mark_in_use(version=v1)
    source, definition = v1.source, v1.definition
    _start(manager)
    url = _q_url("tool_edit_question")
    manager.post(url, {"seen": _seen(manager, url), "text": "Reworded", "answer": "yes_no"})
    v2 = _save(manager)
    v1.refresh_from_db()
    assert (v1.source, v1.definition, v1.number) == (source, definition, 1)
    assert v2.number == 2 and v2.pk != v1.pk and not v2.in_use


def test_a_double_click_or_an_old_page_loses_nothing(manager, v1):  # type: ignore[no-untyped-def]
    _start(manager)
    edit = reverse("standards:tool_edit", args=[KEY])
    seen = _seen(manager, edit)
    move = _q_url("tool_edit_question_move", "a")
    manager.post(move, {"seen": seen, "direction": "down"})
    response = manager.post(move, {"seen": seen, "direction": "down"}, follow=True)
    assert "This change was not made" in response.content.decode()
    data = tool_editor.read(services.open_draft(KEY).source)[1]  # type: ignore[union-attr]
    assert [q["key"] for q in data["sections"][0]["questions"]] == ["b", "a"]
    # Adding twice with the same page adds one question.
    add = reverse("standards:tool_edit_question_add", args=[KEY, "first"])
    seen = _seen(manager, add)
    for _ in range(2):
        manager.post(add, {"seen": seen, "text": "New one?", "answer": "yes_no"})
    data = tool_editor.read(services.open_draft(KEY).source)[1]  # type: ignore[union-attr]
    assert [q["text"] for q in data["sections"][0]["questions"]].count("New one?") == 1
    # Starting again (another tab, a colleague) continues the same draft.
    assert _start(manager).pk == services.open_draft(KEY).pk  # type: ignore[union-attr]
    assert ToolUpload.objects.filter(status=ToolUpload.Status.PENDING).count() == 1
    # Saving twice makes one version; the second is told.
    review = reverse("standards:tool_edit_review", args=[KEY])
    seen = _seen(manager, review)
    manager.post(review, {"seen": seen})
    response = manager.post(review, {"seen": seen}, follow=True)
    assert ToolVersion.objects.filter(tool__key=KEY).count() == 2
    assert "no changes in progress" in response.content.decode()


def test_a_version_saved_meanwhile_is_not_undone(manager, v1):  # type: ignore[no-untyped-def]
    _start(manager)
    url = _q_url("tool_edit_question")
    manager.post(url, {"seen": _seen(manager, url), "text": "Reworded", "answer": "yes_no"})
    services.tool_version_create(text=TWO_QUESTIONS.replace("A small tool", "Renamed"),
                                 filename="small.yaml")
    review = reverse("standards:tool_edit_review", args=[KEY])
    response = manager.post(review, {"seen": _seen(manager, review)})
    assert "Version 2 was saved after these changes were started" in response.content.decode()
    assert ToolVersion.objects.filter(tool__key=KEY).count() == 2
    assert services.open_draft(KEY) is not None  # kept, nothing lost


def test_nothing_changed_is_not_saved_and_discard_keeps_the_tool(manager, v1):  # type: ignore[no-untyped-def]
    _start(manager)
    review = reverse("standards:tool_edit_review", args=[KEY])
    response = manager.post(review, {"seen": _seen(manager, review)})
    assert "Nothing has been changed yet" in response.content.decode()
    manager.post(reverse("standards:tool_edit_discard", args=[KEY]))
    assert services.open_draft(KEY) is None
    assert ToolVersion.objects.filter(tool__key=KEY).count() == 1


@pytest.mark.parametrize("role", [Role.AUDITOR, Role.PRACTITIONER, Role.TEAM_MANAGER])
def test_only_the_qa_team_may_change_tools(role, client_for, v1):  # type: ignore[no-untyped-def]
    client = client_for(PersonFactory(roles=[role]))
    assert client.post(reverse("standards:tool_edit_start", args=[KEY])).status_code == 403
    assert services.open_draft(KEY) is None
    page = client.get(reverse("standards:tool_detail", args=[KEY])).content.decode()
    assert "Change this tool" not in page


def test_not_from_the_seed_is_shown_to_the_qa_team_only(client_for, manager):  # type: ignore[no-untyped-def]
    services.tool_version_create(text=SMALL_TOOL.replace(
        "        answer: yes_no\n", "        answer: yes_no\n        origin: draft\n"),
        filename="small.yaml")
    url = reverse("standards:tool_detail", args=[KEY])
    assert schema.DRAFT_NOTE in manager.get(url).content.decode()
    auditor = client_for(PersonFactory(roles=[Role.AUDITOR]))
    assert "Not from the seed" not in auditor.get(url).content.decode()


def test_writing_a_shipped_tool_back_changes_nothing_in_it(shipped):  # type: ignore[no-untyped-def]
    from auditloop.standards import presets

    for key in presets.shipped_tool_keys():
        text, filename = presets.shipped_tool_text(key)  # type: ignore[misc]
        written = tool_editor.normalised(text)
        assert written.startswith("# An auditloop audit tool")  # the opening comments stay
        assert schema.parse_tool(written, filename) == shipped[key], key
        assert diff.tool_changes(shipped[key], schema.parse_tool(written, filename)) == []

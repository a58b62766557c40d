"""Feedback question sets as versioned data: the presets load after migrate, a changed file
becomes a new version, a bad file is refused with what to fix, and the drafts are marked
"not from the seed" to the QA team only."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from django.urls import reverse

from auditloop.common.errors import DomainError
from auditloop.people.roles import Role
from auditloop.voice import questions, selectors, services
from auditloop.voice.models import QuestionSetVersion

PRESETS = {"000-early-help-service-user-feedback", "002-family-feedback",
           "easy-read-family-feedback", "childs-feedback", "staff-annual-survey",
           "staff-pulse-survey", "audit-process-feedback"}


def test_the_presets_parse_and_every_question_is_marked_a_draft():
    parsed = [questions.parse(p.read_text(), source=p.name) for p in questions.preset_files()]
    assert {d["key"] for d in parsed} == PRESETS
    assert {d["audience"] for d in parsed} == set(questions.AUDIENCES)
    # The seeds give no wording: nothing may claim to be the seed's.
    assert all(q["origin"] == "draft" for d in parsed for q in d["questions"])


@pytest.mark.django_db
def test_the_presets_are_loaded_by_migrate_once():
    assert {s.key for s in selectors.question_sets_current()} == PRESETS
    assert services.question_sets_load() == []
    assert QuestionSetVersion.objects.count() == len(PRESETS)


@pytest.mark.django_db
def test_a_changed_file_becomes_the_next_version(tmp_path: Path, monkeypatch):  # type: ignore[no-untyped-def]
    for p in questions.preset_files():
        shutil.copy(p, tmp_path / p.name)
    monkeypatch.setattr(questions, "DIRECTORY", tmp_path)
    target = tmp_path / "002-family-feedback.yaml"
    target.write_text(target.read_text().replace(
        "Is there anything else you want to tell us?", "Anything else to tell us?"))
    made = services.question_sets_load()
    assert [(v.key, v.version) for v in made] == [("002-family-feedback", 2)]
    versions = selectors.question_set_versions("002-family-feedback")
    assert versions[0].questions[-1].text == "Anything else to tell us?"
    assert versions[1].questions[-1].text == "Is there anything else you want to tell us?"


@pytest.mark.parametrize(("change", "message"), [
    ("answer: text", "answer must be one of"),
    ("origin: draft", "origin must be seed or draft"),
    ("low: Not at all", "needs the labels of the scale's ends"),
])
def test_a_bad_file_is_refused_with_what_to_fix(change: str, message: str):
    text = (questions.DIRECTORY / "002-family-feedback.yaml").read_text()
    broken = text.replace(change, change.split(":")[0] + ": nonsense" if "low" not in change
                          else "", 1)
    with pytest.raises(DomainError, match=message):
        questions.parse(broken)


def test_two_questions_with_one_key_are_refused():
    text = (questions.DIRECTORY / "002-family-feedback.yaml").read_text()
    with pytest.raises(DomainError, match="a key no other question has"):
        questions.parse(text.replace("key: difference", "key: understood_why"))


@pytest.mark.django_db
def test_the_qa_manager_reviews_the_drafts(role_client):  # type: ignore[no-untyped-def]
    client, _ = role_client(Role.QA_MANAGER)
    page = client.get(reverse("voice:question_set_list")).content.decode()
    assert "Early Help Service User Feedback" in page and "Not from the seed" in page
    detail = client.get(reverse("voice:question_set_detail",
                                args=["easy-read-family-feedback"])).content.decode()
    assert "Did we listen to you?" in detail
    assert detail.count("Not from the seed: review before use") == 4
    assert client.get(reverse("voice:question_set_detail", args=["nothing"])).status_code \
        == 404
    assert client.post(reverse("voice:question_set_list")).status_code == 405


@pytest.mark.django_db
@pytest.mark.parametrize("role", [Role.AUDITOR, Role.SENIOR_LEADER, Role.PRACTITIONER])
def test_only_those_who_manage_the_framework_see_the_drafts(role, role_client):  # type: ignore[no-untyped-def]
    client, _ = role_client(role)
    assert client.get(reverse("voice:question_set_list")).status_code == 403
    assert client.get(reverse("voice:question_set_detail",
                              args=["childs-feedback"])).status_code == 403


@pytest.mark.django_db(transaction=True)
def test_migrating_the_app_back_and_forth_loads_the_sets_again():
    from django.core.management import call_command

    call_command("migrate", "voice", "zero", verbosity=0)
    call_command("migrate", "voice", verbosity=0)
    assert {s.key for s in selectors.question_sets_current()} == PRESETS

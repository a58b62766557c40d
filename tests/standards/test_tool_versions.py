"""Tool versions: uploads with a diff shown first, immutability, in-use marks and deletion."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import DatabaseError, connection, transaction
from django.urls import reverse

from auditloop.common.errors import DomainError
from auditloop.people.roles import Role
from auditloop.standards import services
from auditloop.standards.models import Tool, ToolUpload, ToolVersion
from tests.standards.conftest import SMALL_TOOL

pytestmark = pytest.mark.django_db

CHANGED = SMALL_TOOL.replace("text: Is the plan SMART?", "text: Is the plan SMART and current?")


def _version(text: str = SMALL_TOOL) -> ToolVersion:
    version, _ = services.tool_version_create(text=text, filename="small.yaml")
    return version


def _upload(client, text: str, name: str = "small.yaml"):  # type: ignore[no-untyped-def]
    return client.post(reverse("standards:tool_upload"),
                       {"file": SimpleUploadedFile(name, text.encode()), "note": "Wording"})


def test_a_new_file_makes_a_new_version_and_the_same_file_makes_none():
    first = _version()
    again, created = services.tool_version_create(text=SMALL_TOOL, filename="small.yaml")
    assert (again.pk, created) == (first.pk, False)
    second = _version(CHANGED)
    assert (first.number, second.number) == (1, 2)
    assert Tool.objects.get().versions.count() == 2


def test_an_audit_keeps_the_version_it_started_with():
    started_on = _version()
    services.tool_version_mark_in_use(version=started_on)
    _version(CHANGED)
    started_on.refresh_from_db()
    assert started_on.definition["sections"][0]["questions"][0]["text"] == "Is the plan SMART?"
    assert started_on.source == SMALL_TOOL


def test_marking_in_use_is_idempotent():
    version = _version()
    services.tool_version_mark_in_use(version=version)
    first_mark = version.in_use_since
    services.tool_version_mark_in_use(version=version)
    version.refresh_from_db()
    assert version.in_use and version.in_use_since == first_mark


def test_the_database_refuses_any_change_to_a_version():
    version = _version()
    with pytest.raises(DatabaseError), transaction.atomic():
        ToolVersion.objects.filter(pk=version.pk).update(source="changed")
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cur:
        cur.execute("UPDATE standards_toolversion SET definition = '{}'")
    version.refresh_from_db()
    assert version.source == SMALL_TOOL


def test_the_database_refuses_to_delete_or_unmark_a_version_in_use():
    version = _version()
    services.tool_version_mark_in_use(version=version)
    with pytest.raises(DatabaseError), transaction.atomic():
        ToolVersion.objects.filter(pk=version.pk).delete()
    with pytest.raises(DatabaseError), transaction.atomic():
        ToolVersion.objects.filter(pk=version.pk).update(in_use_since=None)
    assert ToolVersion.objects.filter(pk=version.pk, in_use_since__isnull=False).exists()


def test_the_service_refuses_to_delete_a_version_in_use_with_a_clear_message():
    version = _version()
    services.tool_version_mark_in_use(version=version)
    with pytest.raises(DomainError, match="used by audits and cannot be changed or deleted"):
        services.tool_version_delete(version=version)
    with pytest.raises(DomainError, match="Upload a new version instead"):
        services.tool_version_refuse_change(version)


def test_an_unused_version_can_be_deleted():
    _version()
    second = _version(CHANGED)
    services.tool_version_delete(version=second)
    assert list(ToolVersion.objects.values_list("number", flat=True)) == [1]


def test_the_only_version_of_a_tool_in_the_framework_cannot_be_deleted():
    only = _version()
    services.framework_setting_change(setting="tools", value=["small-tool"], actor=None)
    with pytest.raises(DomainError, match="only version"):
        services.tool_version_delete(version=only)


def test_qa_manager_uploads_sees_the_differences_and_confirms(role_client):
    client, person = role_client(Role.QA_MANAGER)
    _version()
    response = _upload(client, CHANGED)
    upload = ToolUpload.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("standards:tool_upload_review", args=[upload.pk])
    assert ToolVersion.objects.count() == 1  # nothing counts until confirmed
    review = client.get(response["Location"])
    body = review.content.decode()
    assert "Check the changes to A small tool" in body
    assert "First section, question a" in body and "wording" in body
    assert "Is the plan SMART?" in body and "Is the plan SMART and current?" in body
    assert "will become version 2" in body
    confirmed = client.post(response["Location"], {"action": "confirm"})
    version = ToolVersion.objects.get(number=2)
    assert confirmed["Location"] == reverse("standards:tool_version", args=["small-tool", 2])
    assert version.uploaded_by == person.user and version.note == "Wording"
    upload.refresh_from_db()
    assert upload.status == ToolUpload.Status.CONFIRMED


def test_a_discarded_upload_changes_nothing(qa_manager_client):
    _version()
    response = _upload(qa_manager_client, CHANGED)
    qa_manager_client.post(response["Location"], {"action": "discard"})
    assert ToolVersion.objects.count() == 1
    assert ToolUpload.objects.get().status == ToolUpload.Status.DISCARDED
    again = qa_manager_client.get(response["Location"])
    assert again.status_code == 302


def test_a_broken_upload_lists_each_problem_with_its_line(qa_manager_client):
    response = _upload(qa_manager_client, SMALL_TOOL.replace("answer: yes_no", "answer: grad"),
                       name="mine.yaml")
    body = response.content.decode()
    assert response.status_code == 200 and "There is a problem" in body
    assert "mine.yaml has 1 problem" in body
    assert "<td class=\"govuk-table__cell\">26</td>" in body
    assert "sections[first].questions[a].answer" in body
    assert not ToolUpload.objects.exists()


def test_uploading_the_same_file_again_is_refused(qa_manager_client):
    _version()
    body = _upload(qa_manager_client, SMALL_TOOL).content.decode()
    assert "same as version 1" in body


def test_a_file_that_is_not_text_is_refused(qa_manager_client):
    response = qa_manager_client.post(reverse("standards:tool_upload"), {
        "file": SimpleUploadedFile("tool.yaml", b"\xff\xfe\x00binary")})
    assert "is not a text file in UTF-8" in response.content.decode()


def test_deleting_an_unused_version_in_the_browser(qa_manager_client):
    _version()
    second = _version(CHANGED)
    response = qa_manager_client.post(
        reverse("standards:tool_version_delete", args=["small-tool", second.number]))
    assert response.status_code == 302
    assert not ToolVersion.objects.filter(pk=second.pk).exists()


def test_deleting_a_version_in_use_in_the_browser_is_refused(qa_manager_client):
    version = _version()
    services.tool_version_mark_in_use(version=version)
    response = qa_manager_client.post(
        reverse("standards:tool_version_delete", args=["small-tool", 1]), follow=True)
    assert "used by audits and cannot be changed or deleted" in response.content.decode()
    assert ToolVersion.objects.filter(pk=version.pk).exists()


def test_the_file_of_a_version_can_be_downloaded(role_client):
    client, _ = role_client(Role.AUDITOR)
    _version()
    response = client.get(reverse("standards:tool_source", args=["small-tool", 1]))
    assert response.content.decode() == SMALL_TOOL
    assert "small-tool-version-1.yaml" in response["Content-Disposition"]

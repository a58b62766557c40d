"""Writes to the tool library: versions (never edited), uploads held until confirmed."""

from __future__ import annotations

import hashlib
from typing import Any

from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from auditloop.common.errors import DomainError
from auditloop.standards import schema
from auditloop.standards.models import Tool, ToolUpload, ToolVersion
from auditloop.standards.selectors import framework_settings_row

MAX_TOOL_FILE_BYTES = 512 * 1024


def tool_file_text(data: bytes, filename: str) -> str:
    """An uploaded file's text. Refuses what cannot be a tool file, saying what to do."""
    if len(data) > MAX_TOOL_FILE_BYTES:
        raise DomainError(f"{filename} is larger than 512 KB: a tool file is text, usually "
                          "under 100 KB. Check you chose the right file.", field="file")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise DomainError(f"{filename} is not a text file in UTF-8. Save it as a .yaml text "
                          "file and upload it again.", field="file") from exc
    return text.replace("\r\n", "\n")


def file_sha(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def newest_version(tool: Tool) -> ToolVersion | None:
    return tool.versions.order_by("-number").first()


@transaction.atomic
def tool_version_create(
    *, text: str, filename: str, actor: Any = None, note: str = ""
) -> tuple[ToolVersion, bool]:
    """Check a tool file and store it as the tool's next version.

    Returns (version, created). A file identical to the latest version creates nothing, so
    loading the same file twice (a preset applied again) is harmless.
    """
    definition = schema.parse_tool(text, filename)
    tool, _ = Tool.objects.select_for_update().get_or_create(
        key=definition["key"],
        defaults={"name": definition["name"], "seed": definition["seed"],
                  "purpose": definition["purpose"]},
    )
    latest = newest_version(tool)
    digest = file_sha(text)
    if latest is not None and latest.sha256 == digest:
        return latest, False
    number = (tool.versions.aggregate(n=Max("number"))["n"] or 0) + 1
    version = ToolVersion.objects.create(
        tool=tool, number=number, source=text, definition=definition, sha256=digest,
        filename=filename[:200], note=note[:500],
        uploaded_by=actor if getattr(actor, "pk", None) else None,
    )
    changed = [f for f in ("name", "seed", "purpose") if getattr(tool, f) != definition[f]]
    if changed:
        for f in changed:
            setattr(tool, f, definition[f])
        tool.save(update_fields=[*changed, "updated_at"])
    return version, True


@transaction.atomic
def tool_upload_start(*, text: str, filename: str, actor: Any, note: str = "") -> ToolUpload:
    """Check an uploaded file and hold it until the QA manager has seen the differences."""
    definition = schema.parse_tool(text, filename)
    tool = Tool.objects.filter(key=definition["key"]).first()
    latest = newest_version(tool) if tool else None
    if latest is not None and latest.sha256 == file_sha(text):
        raise DomainError(f"This file is the same as version {latest.number} of "
                          f"{latest.tool.name}: there is nothing new to upload.", field="file")
    return ToolUpload.objects.create(uploaded_by=actor, filename=filename[:200], source=text,
                                     note=note[:500], tool_key=definition["key"])


@transaction.atomic
def tool_upload_confirm(*, upload: ToolUpload, actor: Any) -> ToolVersion:
    upload = ToolUpload.objects.select_for_update().get(pk=upload.pk)
    if upload.status != ToolUpload.Status.PENDING:
        raise DomainError("This upload has already been confirmed or discarded. Upload the "
                          "file again if you still need it.")
    version, created = tool_version_create(text=upload.source, filename=upload.filename,
                                           actor=actor, note=upload.note)
    if not created:
        raise DomainError(f"This file is the same as version {version.number}: there is "
                          "nothing new to confirm.")
    upload.status = ToolUpload.Status.CONFIRMED
    upload.version = version
    upload.save(update_fields=["status", "version"])
    return version


@transaction.atomic
def tool_upload_discard(*, upload: ToolUpload) -> None:
    upload = ToolUpload.objects.select_for_update().get(pk=upload.pk)
    if upload.status == ToolUpload.Status.PENDING:
        upload.status = ToolUpload.Status.DISCARDED
        upload.save(update_fields=["status"])


@transaction.atomic
def tool_version_mark_in_use(*, version: ToolVersion) -> ToolVersion:
    """Called when an audit starts on a version: from now on it can never be deleted.

    Setting the mark is the one change the database allows on a version, and only once.
    """
    locked = ToolVersion.objects.select_for_update().get(pk=version.pk)
    if locked.in_use_since is None:
        locked.in_use_since = timezone.now()
        locked.save(update_fields=["in_use_since"])
    version.in_use_since = locked.in_use_since
    return locked


def tool_version_refuse_change(version: ToolVersion) -> None:
    """The guard for anything about to alter a version: versions are never edited."""
    if version.in_use:
        raise DomainError(f"Version {version.number} of {version.tool.name} is used by audits "
                          "and cannot be changed or deleted. Upload a new version instead.")
    raise DomainError(f"Versions are never edited. Upload a new version of "
                      f"{version.tool.name} instead.")


@transaction.atomic
def tool_version_delete(*, version: ToolVersion) -> None:
    """Delete a version no audit has used (an upload made by mistake)."""
    locked = ToolVersion.objects.select_for_update().select_related("tool").get(pk=version.pk)
    if locked.in_use:
        tool_version_refuse_change(locked)
    tool = locked.tool
    others = tool.versions.exclude(pk=locked.pk)
    in_framework = tool.key in (framework_settings_row().tools or [])
    if not others.exists() and in_framework:
        raise DomainError(f"{tool.name} is in use by the framework and this is its only "
                          "version. Take the tool out of 'Tools in use' first.")
    ToolUpload.objects.filter(version=locked).update(version=None)
    locked.delete()
    if not others.exists():
        tool.delete()

"""Changes to a tool made in the browser, held as a draft until the QA manager saves them.

A draft is a pending ToolUpload (the same row an uploaded file waits in) named
tool_editor.BROWSER_FILENAME: one per tool, shared by everyone who may change tools. Each
change is made under a row lock and only to the draft the page was showing (its content's
fingerprint), so a double click, an old tab or two people at once lose nothing: the late
change is refused with a message and the draft is as the first change left it. Saving goes
through the upload's own confirmation, so a browser change becomes a new version exactly as
a file does; no version is ever changed.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.db import transaction

from auditloop.common.errors import DomainError
from auditloop.standards import diff, tool_editor
from auditloop.standards.models import Tool, ToolUpload, ToolVersion
from auditloop.standards.services.tools import file_sha, newest_version, tool_upload_confirm

STALE = ("This change was not made: the tool's changes moved on after this page was opened "
         "(a button pressed twice, or the tool changed in another tab or by a colleague). "
         "The tool is shown as it is now: make the change again if it is still needed.")


class StaleDraft(DomainError):
    """The page showed an earlier state of the draft than the one now held."""


def draft_fingerprint(draft: ToolUpload) -> str:
    """What an editing page carries to say which state of the draft it was showing."""
    return file_sha(draft.source)[:20]


def open_draft(key: str) -> ToolUpload | None:
    return ToolUpload.objects.select_related("uploaded_by").filter(
        tool_key=key, filename=tool_editor.BROWSER_FILENAME,
        status=ToolUpload.Status.PENDING).order_by("created_at").first()


def draft_base(draft: ToolUpload) -> ToolVersion | None:
    """The version the changes started from: the newest one when the draft was made."""
    return ToolVersion.objects.select_related("tool").filter(
        tool__key=draft.tool_key, uploaded_at__lte=draft.created_at).order_by("-number").first()


def is_browser_draft(upload: ToolUpload) -> bool:
    return upload.filename == tool_editor.BROWSER_FILENAME


@transaction.atomic
def tool_draft_start(*, key: str, actor: Any) -> tuple[ToolUpload, bool]:
    """The tool's draft of changes, made from its newest version when there is none yet.
    Returns (draft, made now)."""
    tool = Tool.objects.select_for_update().filter(key=key).first()
    latest = newest_version(tool) if tool else None
    if tool is None or latest is None:
        raise DomainError("There is no such tool to change.")
    existing = open_draft(key)
    if existing is not None:
        return existing, False
    return ToolUpload.objects.create(
        uploaded_by=actor, filename=tool_editor.BROWSER_FILENAME,
        source=tool_editor.normalised(latest.source), tool_key=key), True


def _locked(draft: ToolUpload) -> ToolUpload:
    locked = ToolUpload.objects.select_for_update().get(pk=draft.pk)
    if locked.status != ToolUpload.Status.PENDING:
        raise DomainError("These changes have already been saved or discarded. Open the tool "
                          "to see its newest version.")
    return locked


@transaction.atomic
def tool_draft_change[T](*, draft: ToolUpload, seen: str,
                         change: Callable[[dict[str, Any]], T]) -> T:
    """Make one change to the draft and check the whole tool as an upload is checked.

    Raises StaleDraft when the page showed an older draft, and FileProblems (nothing kept)
    when the change would break the tool.
    """
    locked = _locked(draft)
    if seen != draft_fingerprint(locked):
        raise StaleDraft(STALE)
    header, data = tool_editor.read(locked.source)
    result = change(data)
    source = tool_editor.write(header, data)
    tool_editor.check(source)
    locked.source = source
    locked.save(update_fields=["source"])
    draft.source = source
    return result


def draft_changes(draft: ToolUpload) -> tuple[ToolVersion | None, dict[str, Any],
                                              list[diff.Change], list[diff.Line]]:
    """What saving the draft would change, as the upload review shows it: the tool's
    changes and the file's changed lines (against the base written in the same layout)."""
    base = draft_base(draft)
    new = tool_editor.check(draft.source)
    if base is None:
        return None, new, diff.tool_changes(None, new), []
    return (base, new, diff.tool_changes(base.definition, new),
            diff.file_changes(tool_editor.normalised(base.source), draft.source))


@transaction.atomic
def tool_draft_save(*, draft: ToolUpload, actor: Any, note: str = "",
                    seen: str = "") -> ToolVersion:
    """Save the draft as the tool's next version (the version shown is never touched)."""
    locked = _locked(draft)
    if seen and seen != draft_fingerprint(locked):
        raise StaleDraft(STALE)
    base = draft_base(locked)
    latest = ToolVersion.objects.filter(tool__key=locked.tool_key).order_by("-number").first()
    if base is not None and latest is not None and latest.pk != base.pk:
        raise DomainError(f"Version {latest.number} was saved after these changes were started "
                          f"from version {base.number}, so saving them would undo it. Your "
                          "changes are kept below: note them, discard them and make them "
                          f"again on version {latest.number}.")
    if base is not None and not diff.tool_changes(base.definition,
                                                  tool_editor.check(locked.source)):
        raise DomainError("Nothing has been changed yet: change the tool first, or discard "
                          "the changes.")
    locked.note = (note or "Changed in the browser")[:500]
    locked.save(update_fields=["note"])
    return tool_upload_confirm(upload=locked, actor=actor)


@transaction.atomic
def tool_draft_discard(*, draft: ToolUpload) -> bool:
    """Throw the changes away; False when they were already saved or discarded."""
    locked = ToolUpload.objects.select_for_update().get(pk=draft.pk)
    if locked.status != ToolUpload.Status.PENDING:
        return False
    locked.status = ToolUpload.Status.DISCARDED
    locked.save(update_fields=["status"])
    return True

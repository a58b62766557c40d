"""Objects for the role matrix (tests/common/test_role_matrix.py): one of each standards page."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils import timezone

from auditloop.standards import services
from tests.factories import PersonFactory
from tests.standards.conftest import SMALL_TOOL

CHANGED = SMALL_TOOL.replace("Is the plan SMART?", "Is the plan SMART and current?")


def standards_world() -> dict[str, dict[str, Any]]:
    first, _ = services.tool_version_create(text=SMALL_TOOL, filename="small.yaml")
    unused, _ = services.tool_version_create(text=CHANGED, filename="small.yaml")
    services.tool_version_mark_in_use(version=first)
    uploader = PersonFactory()
    upload = services.tool_upload_start(
        text=CHANGED.replace("A small tool", "A small tool, renamed"), filename="small.yaml",
        actor=uploader.user)
    services.tool_draft_start(key="small-tool", actor=uploader.user)  # changes in progress
    today = timezone.localdate()
    scheduled = services.scheduled_change_create(
        setting="audit_notice_days", value=7, effective_on=today + dt.timedelta(days=30),
        actor=uploader.user, today=today)
    key = {"key": "small-tool"}
    return {
        "standards:tool_detail": key,
        "standards:tool_version": {**key, "number": first.number},
        "standards:tool_source": {**key, "number": first.number},
        "standards:tool_upload_review": {"upload_id": upload.pk},
        "standards:tool_version_delete": {**key, "number": unused.number},
        **{f"standards:tool_edit{name}": key for name in (
            "_start", "", "_scale", "_review", "_discard")},
        "standards:tool_edit_grades": {**key, "scale_key": "four"},
        "standards:tool_edit_section": {**key, "section_key": "first"},
        "standards:tool_edit_question_add": {**key, "section_key": "first"},
        **{f"standards:tool_edit_question{name}": {**key, "section_key": "first",
                                                   "question_key": "a"}
           for name in ("", "_remove", "_move")},
        "standards:preset_apply": {"key": "002-six-key-areas"},
        "standards:setting_edit": {"name": "moderation_share_percent"},
        "standards:scheduled_change_cancel": {"change_id": scheduled.pk},
    }

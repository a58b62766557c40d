"""What follows a submitted audit, by grade and the framework's rules (issue 4, item 6).

Called by the submit service inside its transaction; notices go after commit.
"""

from __future__ import annotations

from auditloop.audits.models import Audit
from auditloop.people.models import Person
from auditloop.standards.selectors import framework_settings_row


def grade_counts_as_good(audit: Audit, grade: str) -> bool:
    scale_key = audit.tool_version.definition["overall"]["scale"]
    scale = audit.tool_version.definition["scales"].get(scale_key, {})
    return any(level["key"] == grade and level.get("counts_as_good")
               for level in scale.get("levels", []))


def on_submit(*, audit: Audit, actor: Person) -> None:
    """Good and Outstanding mark the good practice for sharing."""
    framework_settings_row()
    if audit.final_grade and grade_counts_as_good(audit, audit.final_grade):
        audit.good_practice = True
        audit.save(update_fields=["good_practice", "updated_at"])

"""Background work of the audits app: arguments are ids or nothing, never personal data."""

from django.tasks import task
from django.utils import timezone

from auditloop.audits.overdue import overdue_actions_escalate


@task()
def escalate_overdue_actions() -> int:
    """The daily escalation of overdue audit actions (`auditloop escalate_actions --queue`
    puts it on the queue for `auditloop db_worker`). Returns how many steps were taken."""
    return len(overdue_actions_escalate(today=timezone.localdate()).escalated)


@task()
def make_tracker_export(export_id: int) -> None:
    """A large tracker export (audits.tracker_exports.export_make): the task carries the
    export's id only; who asked, for what, is read from the export when it runs."""
    from auditloop.audits.tracker_exports import export_make

    export_make(export_id)

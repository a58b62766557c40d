"""Background work of information governance: arguments are nothing, never personal data."""

from django.tasks import task

from auditloop.governance.models import RetentionRun
from auditloop.governance.retention import retention_apply


@task()
def retention_run() -> int:
    """The daily retention job (`auditloop retention --queue` puts it on the queue for
    `auditloop db_worker`). Returns how many records it removed."""
    run, lines = retention_apply(source=RetentionRun.Source.TASK, ran_by="retention task")
    return sum(line.count for line in lines if not line.reported_only)

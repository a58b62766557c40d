"""Background work of the indicators app: arguments are months, never personal data."""

from django.tasks import task

from auditloop.indicators import services


@task()
def compute_indicators(month: str) -> int:
    """Compute every indicator for the month ('2026-10') in every scope, then look for
    signals (`auditloop compute_indicators --queue` puts it on the queue for
    `auditloop db_worker`). Returns how many values were written."""
    return services.compute_month(month).values

"""Background work of the programme: arguments are ids, never personal data."""

from django.tasks import task

from auditloop.programme.services import notices


@task()
def send_cycle_notices(cycle_id: int) -> None:
    notices.notices_send(cycle_id=cycle_id)

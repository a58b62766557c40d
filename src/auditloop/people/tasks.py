"""Background work for people: arguments are ids, never personal data or secrets."""

from django.tasks import task

from auditloop.people import password_reset


@task
def send_password_reset_email(user_id: int) -> None:
    password_reset.send(user_id)

"""Background work for notifications: arguments are ids, never personal data."""

from django.tasks import task

from auditloop.notifications import services


@task
def send_notification_email(notification_id: int) -> None:
    services.notification_send_email(notification_id=notification_id)

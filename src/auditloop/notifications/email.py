"""E-mail delivery for notices, through a pluggable backend chosen by settings.

- "django": Django's mailer (the console in the demo, SMTP in production).
- "govuk_notify": GOV.UK Notify through notifications-python-client, with one e-mail
  template whose personalisation carries ((subject)), ((body)) and ((link)).

E-mails say what to do and link to the service; they never carry a child's details,
because the notice's own text never does (see notifications.services.notify).
"""

from __future__ import annotations

from typing import Protocol

from django.conf import settings
from django.core.mail import send_mail

from auditloop.notifications.models import Notification


class EmailBackend(Protocol):
    def send(self, *, to: str, subject: str, body: str, link: str, reference: str) -> None: ...


class DjangoMailBackend:
    def send(self, *, to: str, subject: str, body: str, link: str, reference: str) -> None:
        text = f"{body}\n\nOpen it here: {link}\n" if body else f"Open it here: {link}\n"
        send_mail(subject, text, settings.DEFAULT_FROM_EMAIL, [to], fail_silently=False)


class GovukNotifyBackend:
    def __init__(self, *, api_key: str, template_id: str, base_url: str) -> None:
        from notifications_python_client.notifications import NotificationsAPIClient

        self.client = NotificationsAPIClient(api_key, base_url=base_url, timeout=10)
        self.template_id = template_id

    def send(self, *, to: str, subject: str, body: str, link: str, reference: str) -> None:
        self.client.send_email_notification(
            email_address=to,
            template_id=self.template_id,
            personalisation={"subject": subject, "body": body, "link": link},
            reference=reference,
        )


def backend() -> EmailBackend:
    if settings.NOTIFY_BACKEND == "govuk_notify":
        return GovukNotifyBackend(
            api_key=settings.GOVUK_NOTIFY_API_KEY,
            template_id=settings.GOVUK_NOTIFY_TEMPLATE_ID,
            base_url=settings.GOVUK_NOTIFY_BASE_URL,
        )
    return DjangoMailBackend()


def absolute_link(notification: Notification) -> str:
    path = notification.link or "/tray/"
    return settings.SERVICE_BASE_URL.rstrip("/") + path

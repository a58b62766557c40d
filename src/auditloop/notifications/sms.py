"""Text messages, as e-mail is sent (notifications.email): GOV.UK Notify through
notifications-python-client, with one text message template whose personalisation carries
((body)) and ((link)); or, where the service does not use Notify (development, the demo and
tests), an outbox in memory (`outbox`), as Django's test mailer keeps e-mail.

A number is given for one message and kept nowhere: the backends neither store nor log it.
"""

from __future__ import annotations

from typing import Protocol

from django.conf import settings

# The messages the in-memory backend "sent": (to, body, link, reference) in order.
outbox: list[dict[str, str]] = []


class SmsBackend(Protocol):
    def send(self, *, to: str, body: str, link: str, reference: str) -> None: ...


class OutboxSmsBackend:
    def send(self, *, to: str, body: str, link: str, reference: str) -> None:
        outbox.append({"to": to, "body": body, "link": link, "reference": reference})


class GovukNotifySmsBackend:
    def __init__(self, *, api_key: str, template_id: str, base_url: str) -> None:
        from notifications_python_client.notifications import NotificationsAPIClient

        self.client = NotificationsAPIClient(api_key, base_url=base_url, timeout=10)
        self.template_id = template_id

    def send(self, *, to: str, body: str, link: str, reference: str) -> None:
        self.client.send_sms_notification(
            phone_number=to,
            template_id=self.template_id,
            personalisation={"body": body, "link": link},
            reference=reference,
        )


def backend() -> SmsBackend:
    if settings.NOTIFY_BACKEND == "govuk_notify":
        return GovukNotifySmsBackend(
            api_key=settings.GOVUK_NOTIFY_API_KEY,
            template_id=settings.GOVUK_NOTIFY_SMS_TEMPLATE_ID,
            base_url=settings.GOVUK_NOTIFY_BASE_URL,
        )
    return OutboxSmsBackend()

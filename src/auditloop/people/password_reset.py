"""The password reset e-mail, sent by a background task.

The task is given the account's id and nothing else: its address and the reset link (which
is as good as the password for a while) are looked up and made inside the task, so neither
sits in the task queue. A mail server that is down fails the task (logged by account id),
never the page: the page says the same "if there is an account..." whatever happens.
ACCOUNT_EMAIL_UNKNOWN_ACCOUNTS is off, so an address with no account gets nothing.
"""

from __future__ import annotations

import logging
from urllib.parse import quote

from django.conf import settings
from django.core.mail import send_mail
from django.urls import reverse

from auditloop.people.models import User

logger = logging.getLogger(__name__)

SUBJECT = "Reset your password"


def enqueue(user_id: int) -> None:
    from auditloop.people.tasks import send_password_reset_email

    try:
        send_password_reset_email.enqueue(user_id)
    except Exception:
        logger.exception("Password reset e-mail for user %s could not be queued", user_id)


def reset_link(user: User) -> str:
    from allauth.account.forms import default_token_generator
    from allauth.account.utils import user_pk_to_url_str

    key = f"{user_pk_to_url_str(user)}-{default_token_generator.make_token(user)}"
    path = reverse("account_reset_password_from_key", kwargs={"uidb36": "UID", "key": "KEY"})
    return settings.SERVICE_BASE_URL.rstrip("/") + path.replace("UID-KEY", quote(key))


def send(user_id: int) -> None:
    user = User.objects.filter(pk=user_id, is_active=True).first()
    if user is None or not user.email:
        return
    body = (
        f"Someone asked to reset the password for your account ({user.username}) on "
        f"{settings.SERVICE_NAME}.\n\n"
        f"To choose a new password, open this link:\n{reset_link(user)}\n\n"
        "The link works once. If you did not ask for this, you can ignore this e-mail: your "
        "password has not changed. Tell your QA manager if it keeps happening.\n"
    )
    try:
        send_mail(SUBJECT, body, settings.DEFAULT_FROM_EMAIL, [user.email], fail_silently=False)
    except Exception:
        logger.exception("Password reset e-mail for user %s could not be sent", user_id)
        raise

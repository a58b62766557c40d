"""Re-encrypt every two-factor secret under the first of MFA_ENCRYPTION_KEYS."""

from typing import Any

from allauth.mfa.models import Authenticator
from cryptography.fernet import InvalidToken
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction

from auditloop.people import secrets_at_rest


class Command(BaseCommand):
    help = (
        "Re-encrypt every authenticator app secret and recovery-code seed under the first "
        "key in MFA_ENCRYPTION_KEYS, and encrypt any still stored in plain. Run it after "
        "putting a new key first; then the old key can be removed."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--new-key", action="store_true",
            help="only print a new key to put first in MFA_ENCRYPTION_KEYS",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["new_key"]:
            self.stdout.write(secrets_at_rest.new_key())
            return
        changed = 0
        with transaction.atomic():
            rows = Authenticator.objects.select_for_update().filter(
                type__in=[Authenticator.Type.TOTP, Authenticator.Type.RECOVERY_CODES])
            for authenticator in rows.order_by("pk"):
                try:
                    data = secrets_at_rest.reencrypt_data(authenticator.data)
                except InvalidToken:
                    raise CommandError(
                        f"Authenticator {authenticator.pk} cannot be decrypted with any key "
                        "in MFA_ENCRYPTION_KEYS. Nothing was changed: put the old key back "
                        "in the list and run this again."
                    ) from None
                if data != authenticator.data:
                    authenticator.data = data
                    authenticator.save(update_fields=["data"])
                    changed += 1
        self.stdout.write(f"Re-encrypted {changed} two-factor records.")

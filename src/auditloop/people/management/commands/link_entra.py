"""Link a staff account to a Microsoft Entra ID identity (issuer + subject), or unlink it."""

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from auditloop.people.models import User


class Command(BaseCommand):
    help = (
        "Link a user to the Microsoft identity shown on their 'Your account is not set up' "
        "page, so they can sign in with Microsoft. E-mail addresses are never used to match."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username")
        parser.add_argument("subject", nargs="?", help="the Subject shown on their page")
        parser.add_argument(
            "--issuer",
            default=settings.ENTRA_SERVER_URL,
            help="the Issuer shown on their page (default: this council's Entra ID tenant)",
        )
        parser.add_argument("--unlink", action="store_true", help="stop Microsoft sign-in")

    def handle(self, *args: Any, **options: Any) -> None:
        user = User.objects.filter(username=options["username"]).first()
        if user is None:
            raise CommandError(f"There is no user {options['username']!r}.")
        if options["unlink"]:
            issuer = subject = ""
        elif not options["subject"]:
            raise CommandError("Give the subject from their page, or --unlink.")
        else:
            issuer, subject = options["issuer"].strip(), options["subject"].strip()
            taken = (
                User.objects.filter(oidc_issuer=issuer, oidc_subject=subject)
                .exclude(pk=user.pk)
                .first()
            )
            if taken:
                raise CommandError(
                    f"That Microsoft identity is linked to {taken.username}. Unlink it first."
                )
        user.oidc_issuer, user.oidc_subject = issuer, subject
        user.save(update_fields=["oidc_issuer", "oidc_subject"])
        if subject:
            self.stdout.write(f"Linked {user.username} to subject {subject} from {issuer}.")
        else:
            self.stdout.write(f"{user.username} can no longer sign in with Microsoft.")

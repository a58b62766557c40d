"""Link a staff account to a Microsoft Entra ID identity (issuer + subject), or unlink it."""

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from auditloop.common.errors import DomainError
from auditloop.people.models import User
from auditloop.people.services import user_link_entra


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
        if not options["unlink"] and not options["subject"]:
            raise CommandError("Give the subject from their page, or --unlink.")
        subject = "" if options["unlink"] else options["subject"]
        try:
            user_link_entra(user=user, issuer=options["issuer"], subject=subject)
        except DomainError as exc:
            raise CommandError(exc.message) from exc
        if user.oidc_subject:
            self.stdout.write(
                f"Linked {user.username} to subject {user.oidc_subject} from {user.oidc_issuer}."
            )
        else:
            self.stdout.write(f"{user.username} can no longer sign in with Microsoft.")

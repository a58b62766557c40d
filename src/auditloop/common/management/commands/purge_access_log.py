"""`auditloop purge_access_log --before YYYY-MM-DD`: delete the access-log rows older than a
date, once they are past the council's retention period. The only way rows ever leave the
log (docs/operators-guide.md, "Purging the access log").

The log's triggers refuse every delete, so in one transaction the command lifts them,
deletes the rows from before the start of that day (UK time), puts the triggers back and
records the purge: a row in common.AccessLogPurge (when, the cutoff, how many rows, the
database role and the system account that ran it), a line in the server log and a summary
on standard output. Nothing else can see the log without its triggers: on PostgreSQL the
table is locked until the transaction ends.

On PostgreSQL only the table's owner may lift its triggers: run it with the owner role's
DATABASE_URL. Run as the application role it stops and says so, having changed nothing.
"""

from __future__ import annotations

import datetime as dt
import getpass
import logging
from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.db import DatabaseError, connection, transaction
from django.utils import timezone

from auditloop.common.models import AccessLog, AccessLogPurge

logger = logging.getLogger(__name__)
TABLE = AccessLog._meta.db_table


def _date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise CommandError(f"--before must be a date written YYYY-MM-DD, not {text!r}.") from None


def _system_user() -> str:
    try:
        return getpass.getuser()
    except (OSError, KeyError):
        return ""


def _delete_before(cutoff: dt.datetime) -> int:
    # The ORM writes the cutoff as the column is stored (UTC); no rows point at the log.
    removed, _ = AccessLog.objects.filter(at__lt=cutoff).delete()
    return removed


def _purge_postgresql(cutoff: dt.datetime) -> tuple[int, str]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT current_user, pg_has_role(current_user, c.relowner, 'USAGE'), "
            "pg_get_userbyid(c.relowner) FROM pg_class c WHERE c.oid = %s::regclass", [TABLE])
        user, is_owner, owner = cursor.fetchone()
        if not is_owner:
            raise CommandError(
                f"The access log can only be purged by the database owner role ({owner}); "
                f"this was run as {user}. Run it again with the owner role's DATABASE_URL. "
                f"Nothing was deleted.")
        try:
            # Deferred foreign-key checks still pending in this transaction would stop the
            # ALTER TABLE: run them now.
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            cursor.execute(f"ALTER TABLE {TABLE} DISABLE TRIGGER USER")
            removed = _delete_before(cutoff)
            cursor.execute(f"ALTER TABLE {TABLE} ENABLE TRIGGER USER")
        except DatabaseError as exc:
            raise CommandError(f"The purge failed and nothing was deleted: {exc}") from exc
    return removed, user


def _purge_sqlite(cutoff: dt.datetime) -> tuple[int, str]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name = %s "
            "ORDER BY name", [TABLE])
        triggers = cursor.fetchall()
        for name, _sql in triggers:
            cursor.execute(f'DROP TRIGGER "{name}"')
        removed = _delete_before(cutoff)
        for _name, sql in triggers:
            cursor.execute(sql)
    return removed, "sqlite"


class Command(BaseCommand):
    help = ("Delete the access-log rows from before a date (past their retention period), "
            "and record the purge. On PostgreSQL, run it as the database owner role.")

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--before", required=True, type=_date, metavar="YYYY-MM-DD",
                            help="delete the rows logged before the start of this day")

    def handle(self, *args: Any, **options: Any) -> None:
        before: dt.date = options["before"]
        if before > timezone.localdate():
            raise CommandError(f"--before {before} is in the future: give a date in the past.")
        cutoff = timezone.make_aware(dt.datetime.combine(before, dt.time.min))
        purge = {"postgresql": _purge_postgresql, "sqlite": _purge_sqlite}.get(connection.vendor)
        if purge is None:
            raise CommandError(f"Purging is not set up for {connection.vendor} databases.")
        with transaction.atomic():
            removed, database_user = purge(cutoff)
            record = AccessLogPurge.objects.create(
                before=before, removed=removed, database_user=database_user,
                system_user=_system_user())
        logger.info("access log purged: %s rows before %s removed by %s (%s), purge record %s",
                    removed, before.isoformat(), database_user, record.system_user, record.pk)
        self.stdout.write(
            f"Removed {removed} access-log rows from before {before.isoformat()} "
            f"(purge record {record.pk}, run as {database_user}).")

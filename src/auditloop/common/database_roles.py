"""PostgreSQL: what the application role may do, granted by every migrate.

Two roles (docs/operators-guide.md, "Database roles"): the owner role owns the schema and
runs `auditloop migrate`; the application role, named by the setting DATABASE_APP_ROLE, is
the one the service connects as. After each migrate, `grant_application_role` gives the
application role SELECT, INSERT, UPDATE and DELETE on every table and the use of every
sequence, but only SELECT and INSERT on the append-only tables: it can add to the access log
and never change, delete or empty it. Not being the owner, it cannot disable the triggers
that guard those tables either. Default privileges give tables that later migrations make
the same grants; the append-only tables are revoked again after every migrate.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management import CommandError
from django.db import connections
from django.db.backends.base.base import BaseDatabaseWrapper

# Rows are added and read, never changed or deleted (their triggers refuse it too).
APPEND_ONLY_TABLES = ["common_accesslog", "common_accesslogpurge"]


class MigrateAsOwnerError(CommandError):
    """Migrations were run as the application role instead of the owner role (a
    CommandError, so that `auditloop migrate` prints the message, not a traceback)."""


def grant_application_role(connection: BaseDatabaseWrapper, role: str) -> None:
    """Grant `role` what the service needs on `connection`'s schema, as its owner."""
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_user, current_schema()")
        current_user, schema = cursor.fetchone()
        if current_user == role:
            raise MigrateAsOwnerError(
                f"Migrations must be run as the database owner role, not as the application "
                f"role {role!r} (DATABASE_APP_ROLE): set DATABASE_URL to the owner's "
                f"address for `auditloop migrate`.")
        app, sch = quote(role), quote(schema)
        statements = [
            f"GRANT USAGE ON SCHEMA {sch} TO {app}",
            f"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA {sch} TO {app}",
            f"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA {sch} TO {app}",
            f"ALTER DEFAULT PRIVILEGES IN SCHEMA {sch} "
            f"GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO {app}",
            f"ALTER DEFAULT PRIVILEGES IN SCHEMA {sch} GRANT USAGE, SELECT ON SEQUENCES TO {app}",
        ]
        cursor.execute(
            "SELECT tablename FROM pg_tables WHERE schemaname = %s AND tablename = ANY(%s)",
            [schema, APPEND_ONLY_TABLES])
        for (table,) in cursor.fetchall():
            statements.append(
                f"REVOKE UPDATE, DELETE, TRUNCATE, REFERENCES, TRIGGER ON {quote(table)} "
                f"FROM {app}")
        for sql in statements:
            cursor.execute(sql)


def grant_after_migrate(sender: Any, using: str = "default", **kwargs: Any) -> None:
    """post_migrate (sent once for the common app): grant DATABASE_APP_ROLE, on PostgreSQL."""
    role = getattr(settings, "DATABASE_APP_ROLE", "")
    connection = connections[using]
    if role and connection.vendor == "postgresql":
        grant_application_role(connection, role)

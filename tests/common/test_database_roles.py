"""PostgreSQL roles (docs/operators-guide.md, "Database roles"): the application role the
service connects as may add to the access log and read it, and nothing more: no UPDATE,
DELETE or TRUNCATE, and, not being the table's owner, no disabling its triggers. The grants
are the ones every migrate makes (common.database_roles)."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import psycopg
import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from psycopg import errors, sql

from auditloop.common.database_roles import MigrateAsOwnerError, grant_application_role
from auditloop.common.models import AccessLog
from tests.factories import PersonFactory

pytestmark = [pytest.mark.postgres_only, pytest.mark.django_db(transaction=True)]

INSERT = ("INSERT INTO common_accesslog (at, user_id, action, object_type, object_id, path, "
          "request_id, reason) VALUES (now(), %s, 'view', 'case', %s, '', '', '') RETURNING id")


def _admin(statement: str, *names: str) -> None:
    with connection.cursor() as cur:
        cur.execute(sql.SQL(statement).format(*map(sql.Identifier, names)).as_string(
            connection.connection))


@pytest.fixture
def roles() -> Iterator[tuple[str, str]]:
    """An owner role and an application role, made for this test and dropped after it. The
    owner role owns the access log for the test (as it would after running migrate)."""
    suffix = uuid.uuid4().hex[:10]
    owner, app = f"test_owner_{suffix}", f"test_app_{suffix}"
    with connection.cursor() as cur:
        cur.execute("SELECT current_user, current_schema()")
        me, schema = cur.fetchone()
    _admin("CREATE ROLE {} NOLOGIN NOSUPERUSER", owner)
    _admin("CREATE ROLE {} LOGIN NOSUPERUSER", app)
    try:
        # Membership lets the user running the tests hand the table over and take it back.
        _admin("GRANT {} TO {}", owner, me)
        _admin("GRANT {} TO {}", app, me)
        _admin("GRANT USAGE, CREATE ON SCHEMA {} TO {}", schema, owner)
        _admin("ALTER TABLE common_accesslog OWNER TO {}", owner)
        yield owner, app
    finally:
        _admin("ALTER TABLE common_accesslog OWNER TO {}", me)
        _admin("DROP OWNED BY {}, {}", owner, app)
        _admin("DROP ROLE {}", app)
        _admin("DROP ROLE {}", owner)


def _connect_as(role: str) -> psycopg.Connection[Any]:
    params = connection.get_connection_params()
    params = {k: v for k, v in params.items() if k in {"host", "port", "dbname"}}
    return psycopg.connect(**params, user=role, autocommit=True)


def _refused(conn: psycopg.Connection[Any], statement: str, *args: Any) -> str:
    with pytest.raises(errors.InsufficientPrivilege) as refused:
        conn.execute(statement, args or None)
    return str(refused.value)


def test_the_application_role_may_only_add_to_and_read_the_access_log(roles):
    owner, app = roles
    user = PersonFactory().user
    existing = AccessLog.objects.create(user=user, object_type="case", object_id="1")
    grant_application_role(connection, app)

    with _connect_as(app) as conn:
        assert conn.execute("SELECT current_user").fetchone() == (app,)
        # Adding and reading work.
        added = conn.execute(INSERT, (user.pk, "2")).fetchone()[0]
        ids = {r[0] for r in conn.execute("SELECT id FROM common_accesslog").fetchall()}
        assert ids == {existing.pk, added}
        # Changing, deleting and emptying are refused by the privileges themselves, before
        # any trigger is reached.
        for statement in ("UPDATE common_accesslog SET object_id = 'x'",
                          "DELETE FROM common_accesslog",
                          "TRUNCATE common_accesslog"):
            assert "permission denied" in _refused(conn, statement)
        # Not the owner: it cannot lift the triggers, or take the table over.
        assert "must be owner" in _refused(
            conn, "ALTER TABLE common_accesslog DISABLE TRIGGER ALL")
        assert "must be owner" in _refused(
            conn, "ALTER TABLE common_accesslog DISABLE TRIGGER common_accesslog_append_only")
        assert "must be owner" in _refused(conn, "DROP TRIGGER common_accesslog_append_only "
                                                 "ON common_accesslog")
        # The service's other tables are its to change.
        conn.execute("UPDATE people_user SET first_name = 'Changed' WHERE id = %s", (user.pk,))
        # The purge record is append-only for it too.
        _refused(conn, "DELETE FROM common_accesslogpurge")

    assert set(AccessLog.objects.values_list("object_id", flat=True)) == {"1", "2"}
    # The owner role may lift them (in a transaction undone here).
    with connection.cursor() as cur:
        cur.execute("BEGIN")
        cur.execute(sql.SQL("SET LOCAL ROLE {}").format(sql.Identifier(owner)).as_string(
            connection.connection))
        cur.execute("ALTER TABLE common_accesslog DISABLE TRIGGER USER")
        cur.execute("ROLLBACK")


def test_the_grants_hold_for_tables_made_by_later_migrations(roles):
    _owner, app = roles
    grant_application_role(connection, app)
    with connection.cursor() as cur:
        cur.execute("CREATE TABLE common_later_table (id bigint GENERATED BY DEFAULT AS "
                    "IDENTITY PRIMARY KEY, note text)")
    try:
        with _connect_as(app) as conn:
            conn.execute("INSERT INTO common_later_table (note) VALUES ('a')")
            conn.execute("UPDATE common_later_table SET note = 'b'")
            conn.execute("DELETE FROM common_later_table")
    finally:
        with connection.cursor() as cur:
            cur.execute("DROP TABLE common_later_table")


def test_purging_as_the_application_role_stops_with_a_clear_message(roles):
    _owner, app = roles
    user = PersonFactory().user
    AccessLog.objects.create(user=user, object_type="case", object_id="1")
    grant_application_role(connection, app)
    _admin("SET ROLE {}", app)
    try:
        with pytest.raises(CommandError, match="only be purged by the database owner role"):
            call_command("purge_access_log", "--before", "2020-01-01")
    finally:
        _admin("RESET ROLE")
    assert AccessLog.objects.count() == 1


def test_migrating_as_the_application_role_is_refused(roles):
    _owner, app = roles
    _admin("SET ROLE {}", app)
    try:
        with pytest.raises(MigrateAsOwnerError, match="must be run as the database owner"):
            grant_application_role(connection, app)
    finally:
        _admin("RESET ROLE")

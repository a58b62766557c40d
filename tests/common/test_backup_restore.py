"""Backups restore (docs/operators-guide.md, "Backups and restore"): the nightly
`pg_dump --format=custom` of the database, restored with pg_restore into a fresh database,
holds every audit, answer, action and access-log row, and the access log is append-only
there too."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import uuid
from typing import Any

import psycopg
import pytest
from django.db import connection
from psycopg import sql

from auditloop.actions.models import Action
from auditloop.audits.models import Answer, Audit
from auditloop.common.models import AccessLog
from tests.factories import PersonFactory, complete_audit, make_action, make_audit

pytestmark = [pytest.mark.postgres_only, pytest.mark.django_db(transaction=True)]

TABLES = {"audit": Audit, "answer": Answer, "action": Action, "access log": AccessLog}


def _tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        pytest.fail(f"{name} is needed for this test: apt-get install postgresql-client")
    return path


def _check_versions(pg_dump: str) -> None:
    """pg_dump refuses a server newer than itself: say which client to install."""
    version = subprocess.run([pg_dump, "--version"], capture_output=True, text=True,
                             check=True).stdout  # "pg_dump (PostgreSQL) 15.20 (Debian ...)"
    client = int(re.search(r"\)\s*(\d+)", version).group(1))  # type: ignore[union-attr]
    with connection.cursor() as cur:
        cur.execute("SHOW server_version_num")
        server = int(cur.fetchone()[0]) // 10000
    if client < server:
        pytest.fail(f"pg_dump is version {client} but the server is PostgreSQL {server}: "
                    f"pg_dump cannot dump a newer server. Install postgresql-client-{server} "
                    f"and put its pg_dump and pg_restore first on PATH.")


def _libpq(dbname: str) -> tuple[list[str], dict[str, str]]:
    """Connection options for the PostgreSQL tools, the password in the environment."""
    s = connection.settings_dict
    args = [f"--dbname={dbname}", f"--username={s['USER'] or 'postgres'}",
            f"--host={s['HOST'] or '127.0.0.1'}", f"--port={s['PORT'] or 5432}"]
    env = {**os.environ, "PGPASSWORD": s["PASSWORD"] or ""}
    return args, env


def _connect(dbname: str) -> psycopg.Connection[Any]:
    params = {k: v for k, v in connection.get_connection_params().items()
              if k in {"host", "port", "user", "password"}}
    return psycopg.connect(**params, dbname=dbname, autocommit=True)


def test_a_dump_restored_into_a_fresh_database_has_every_row(tmp_path):
    pg_dump, pg_restore = _tool("pg_dump"), _tool("pg_restore")
    _check_versions(pg_dump)

    auditor = PersonFactory(roles=["auditor"])
    audits = [make_audit(auditors=[auditor]) for _ in range(2)]
    for audit in audits:
        complete_audit(audit, auditor)
    make_action()
    make_action()
    for n in range(3):
        AccessLog.objects.create(user=auditor.user, object_type="case", object_id=str(n))
    before = {name: set(model.objects.values_list("pk", flat=True))
              for name, model in TABLES.items()}
    assert all(before.values()), before  # something of each kind to find

    source = connection.settings_dict["NAME"]
    dump = tmp_path / "auditloop.dump"
    args, env = _libpq(source)
    subprocess.run([pg_dump, "--format=custom", f"--file={dump}", *args], env=env,
                   check=True, capture_output=True)

    restored = f"{source}_restored_{uuid.uuid4().hex[:8]}"
    with connection.cursor() as cur:
        cur.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(restored)).as_string(
            connection.connection))
    try:
        args, env = _libpq(restored)
        result = subprocess.run([pg_restore, "--exit-on-error", *args, str(dump)], env=env,
                                capture_output=True, text=True)
        assert result.returncode == 0, result.stderr
        with _connect(restored) as conn:
            for name, model in TABLES.items():
                table = sql.Identifier(model._meta.db_table)
                ids = {r[0] for r in conn.execute(
                    sql.SQL("SELECT id FROM {}").format(table)).fetchall()}
                assert ids == before[name], name
            # The access log's triggers came back with it.
            with pytest.raises(psycopg.errors.RaiseException, match="cannot be changed"):
                conn.execute("DELETE FROM common_accesslog")
            assert conn.execute("SELECT count(*) FROM common_accesslog").fetchone() == (3,)
    finally:
        with connection.cursor() as cur:
            cur.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(
                sql.Identifier(restored)).as_string(connection.connection))

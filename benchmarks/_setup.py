"""Shared set-up for the benchmark scripts: which database, and Django configured for it.

The scripts run against a database of their own (never the demo's or production's): a
SQLite file in the temporary folder unless --database-url names another.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

DEFAULT_SQLITE = Path(tempfile.gettempdir()) / "auditloop-bench-large.sqlite3"


def default_database_url() -> str:
    return f"sqlite:///{DEFAULT_SQLITE}"


def ensure_postgres_database(url: str) -> None:
    """Create the PostgreSQL database named in the URL if it does not exist yet."""
    import dj_database_url
    import psycopg
    from psycopg import sql

    config = dj_database_url.parse(url)
    name = config["NAME"]
    with psycopg.connect(
        host=config.get("HOST") or None, port=config.get("PORT") or None,
        user=config.get("USER") or None, password=config.get("PASSWORD") or None,
        dbname="postgres", autocommit=True,
    ) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        if not exists:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))


def setup_django(database_url: str) -> None:
    """Configure Django for the benchmark database, with DEBUG off so that Django does not
    keep every query (which would distort time and memory)."""
    os.environ["DATABASE_URL"] = database_url
    os.environ.setdefault("AUDITLOOP_ENV", "demo")
    os.environ.setdefault(
        "AUDITLOOP_VAR_DIR", str(Path(tempfile.gettempdir()) / "auditloop-bench-var")
    )
    os.environ["DEBUG"] = "0"
    os.environ["ALLOWED_HOSTS"] = "testserver,127.0.0.1,localhost"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "auditloop.settings")
    if database_url.startswith(("postgres://", "postgresql://")):
        ensure_postgres_database(database_url)
    import django

    django.setup()


def describe_database() -> str:
    from django.db import connection

    if connection.vendor == "sqlite":
        import sqlite3

        return f"SQLite {sqlite3.sqlite_version} ({connection.settings_dict['NAME']})"
    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        version = cursor.fetchone()[0]
    return f"PostgreSQL {version} ({connection.settings_dict['NAME']})"

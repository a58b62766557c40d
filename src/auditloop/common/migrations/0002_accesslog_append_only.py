"""The access log is append-only, enforced by the database itself on SQLite and PostgreSQL."""

from django.db import migrations

from auditloop.common.migration_sql import by_vendor

SQLITE_UP = [
    """CREATE TRIGGER common_accesslog_no_update BEFORE UPDATE ON common_accesslog
       BEGIN SELECT RAISE(ABORT, 'access log rows cannot be changed'); END;""",
    """CREATE TRIGGER common_accesslog_no_delete BEFORE DELETE ON common_accesslog
       BEGIN SELECT RAISE(ABORT, 'access log rows cannot be deleted'); END;""",
]
SQLITE_DOWN = [
    "DROP TRIGGER IF EXISTS common_accesslog_no_update;",
    "DROP TRIGGER IF EXISTS common_accesslog_no_delete;",
]
POSTGRES_UP = [
    """CREATE OR REPLACE FUNCTION common_accesslog_refuse() RETURNS trigger AS $$
       BEGIN RAISE EXCEPTION 'access log rows cannot be changed or deleted'; END;
       $$ LANGUAGE plpgsql;""",
    """CREATE TRIGGER common_accesslog_append_only BEFORE UPDATE OR DELETE ON common_accesslog
       FOR EACH ROW EXECUTE FUNCTION common_accesslog_refuse();""",
]
POSTGRES_DOWN = [
    "DROP TRIGGER IF EXISTS common_accesslog_append_only ON common_accesslog;",
    "DROP FUNCTION IF EXISTS common_accesslog_refuse();",
]


class Migration(migrations.Migration):
    dependencies = [("common", "0001_initial")]

    operations = [
        by_vendor({"sqlite": SQLITE_UP, "postgresql": POSTGRES_UP},
                  {"sqlite": SQLITE_DOWN, "postgresql": POSTGRES_DOWN}),
    ]

"""Tool versions are never edited, and one in use is never deleted; the settings history is
append-only. The database itself refuses, on SQLite and PostgreSQL, so no code path (the
ORM's bulk update, raw SQL, the admin) can rewrite what an audit was done against.

The only change allowed to a version is setting `in_use_since` once, from empty.
A migration that adds a column to standards_toolversion must add it to CONTENT below.
"""

from django.db import migrations

from auditloop.common.migration_sql import by_vendor

CONTENT = ["tool_id", "number", "source", "definition", "sha256", "filename", "note",
           "uploaded_by_id", "uploaded_at"]

_sqlite_changed = " OR ".join(f"NEW.{c} IS NOT OLD.{c}" for c in CONTENT)
SQLITE_UP = [
    f"""CREATE TRIGGER standards_toolversion_no_change BEFORE UPDATE ON standards_toolversion
        WHEN {_sqlite_changed}
          OR (OLD.in_use_since IS NOT NULL AND NEW.in_use_since IS NOT OLD.in_use_since)
        BEGIN SELECT RAISE(ABORT, 'tool versions cannot be changed: upload a new version');
        END;""",
    """CREATE TRIGGER standards_toolversion_in_use_no_delete
        BEFORE DELETE ON standards_toolversion WHEN OLD.in_use_since IS NOT NULL
        BEGIN SELECT RAISE(ABORT, 'a tool version in use cannot be deleted'); END;""",
    """CREATE TRIGGER standards_settingchange_no_update
        BEFORE UPDATE ON standards_frameworksettingchange
        BEGIN SELECT RAISE(ABORT, 'settings history cannot be changed'); END;""",
    """CREATE TRIGGER standards_settingchange_no_delete
        BEFORE DELETE ON standards_frameworksettingchange
        BEGIN SELECT RAISE(ABORT, 'settings history cannot be deleted'); END;""",
]
SQLITE_DOWN = [
    "DROP TRIGGER IF EXISTS standards_toolversion_no_change;",
    "DROP TRIGGER IF EXISTS standards_toolversion_in_use_no_delete;",
    "DROP TRIGGER IF EXISTS standards_settingchange_no_update;",
    "DROP TRIGGER IF EXISTS standards_settingchange_no_delete;",
]

_pg_changed = " OR ".join(f"NEW.{c} IS DISTINCT FROM OLD.{c}" for c in CONTENT)
POSTGRES_UP = [
    f"""CREATE OR REPLACE FUNCTION standards_toolversion_guard() RETURNS trigger AS $$
        BEGIN
          IF TG_OP = 'DELETE' THEN
            IF OLD.in_use_since IS NOT NULL THEN
              RAISE EXCEPTION 'a tool version in use cannot be deleted';
            END IF;
            RETURN OLD;
          END IF;
          IF {_pg_changed.replace("NEW.definition IS DISTINCT FROM OLD.definition",
                                  "NEW.definition::text IS DISTINCT FROM OLD.definition::text")}
             OR (OLD.in_use_since IS NOT NULL
                 AND NEW.in_use_since IS DISTINCT FROM OLD.in_use_since) THEN
            RAISE EXCEPTION 'tool versions cannot be changed: upload a new version';
          END IF;
          RETURN NEW;
        END; $$ LANGUAGE plpgsql;""",
    """CREATE TRIGGER standards_toolversion_guard BEFORE UPDATE OR DELETE
        ON standards_toolversion FOR EACH ROW EXECUTE FUNCTION standards_toolversion_guard();""",
    """CREATE OR REPLACE FUNCTION standards_settingchange_refuse() RETURNS trigger AS $$
        BEGIN RAISE EXCEPTION 'settings history cannot be changed or deleted'; END;
        $$ LANGUAGE plpgsql;""",
    """CREATE TRIGGER standards_settingchange_append_only BEFORE UPDATE OR DELETE
        ON standards_frameworksettingchange
        FOR EACH ROW EXECUTE FUNCTION standards_settingchange_refuse();""",
]
POSTGRES_DOWN = [
    "DROP TRIGGER IF EXISTS standards_toolversion_guard ON standards_toolversion;",
    "DROP FUNCTION IF EXISTS standards_toolversion_guard();",
    "DROP TRIGGER IF EXISTS standards_settingchange_append_only "
    "ON standards_frameworksettingchange;",
    "DROP FUNCTION IF EXISTS standards_settingchange_refuse();",
]


class Migration(migrations.Migration):
    dependencies = [("standards", "0001_initial")]

    operations = [
        by_vendor({"sqlite": SQLITE_UP, "postgresql": POSTGRES_UP},
                  {"sqlite": SQLITE_DOWN, "postgresql": POSTGRES_DOWN}),
    ]

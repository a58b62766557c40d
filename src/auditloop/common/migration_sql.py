"""For migrations: run SQL that differs by database (triggers for append-only tables)."""

from collections.abc import Callable
from typing import Any

from django.db import migrations


def by_vendor(up: dict[str, list[str]], down: dict[str, list[str]]) -> migrations.RunPython:
    """A RunPython operation running `up[vendor]` forwards and `down[vendor]` backwards."""

    def runner(statements: dict[str, list[str]]) -> Callable[[Any, Any], None]:
        def run(apps: Any, schema_editor: Any) -> None:
            for sql in statements.get(schema_editor.connection.vendor, []):
                schema_editor.execute(sql)

        return run

    return migrations.RunPython(runner(up), runner(down))

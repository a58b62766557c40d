"""`auditloop preset list` and `auditloop preset apply <name>`: set up the framework from a seed."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from auditloop.common.errors import DomainError
from auditloop.standards import presets, selectors, services, settings_spec
from auditloop.standards.models import FrameworkSettingChange


class Command(BaseCommand):
    help = "List the presets (one for each seed framework) or apply one."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        sub.add_parser("list", help="List the presets and the tools each sets up.")
        apply = sub.add_parser("apply", help="Apply a preset: its tools and every setting.")
        apply.add_argument("name", help="The preset's name (or its seed number, e.g. 002).")
        apply.add_argument("--user", default="",
                           help="Username to record as making the change (default: none, "
                                "recorded as the command line).")
        apply.add_argument("--dry-run", action="store_true",
                           help="Show what would change without changing anything.")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            if options["action"] == "list":
                self._list()
            else:
                self._apply(options["name"], options["user"], options["dry_run"])
        except DomainError as exc:
            raise CommandError(exc.message) from exc

    def _list(self) -> None:
        current = selectors.framework_settings_row().preset_key
        for preset in presets.shipped_presets():
            marker = "  (applied)" if preset.key == current else ""
            self.stdout.write(f"{preset.key}{marker}")
            self.stdout.write(f"    seed {preset.seed}: {preset.name}")
            self.stdout.write(f"    tools: {', '.join(preset.tool_keys)}")

    def _apply(self, name: str, username: str, dry_run: bool) -> None:
        actor = None
        if username:
            from django.contrib.auth import get_user_model

            actor = get_user_model().objects.filter(username=username).first()
            if actor is None:
                raise CommandError(f"There is no user called {username}.")
        if dry_run:
            preview = services.preset_preview(key=name)
            tools = preview.tools
            self.stdout.write(f"{preview.preset.key} would change {len(preview.planned)} "
                              f"settings and add {len(tools)} tool versions "
                              f"({', '.join(tools) or 'none'}).")
            for p in preview.planned:
                self.stdout.write(f"  {settings_spec.SETTINGS[p.setting].label}")
            for s in preview.schedule.create:
                self.stdout.write(f"  from {s.effective_on}: "
                                  f"{settings_spec.SETTINGS[s.setting].label} (scheduled)")
            for c in preview.schedule.cancel:
                self.stdout.write(f"  cancels the change of {c.setting} from {c.effective_on} "
                                  f"(preset {c.preset_key})")
            return
        result = services.preset_apply(key=name, actor=actor,
                                       source=FrameworkSettingChange.Source.COMMAND)
        self.stdout.write(f"Applied {result.preset.key} (seed {result.preset.seed}): "
                          f"{result.preset.name}")
        for version, created in result.tools:
            state = "new version" if created else "unchanged"
            self.stdout.write(f"  tool {version.tool.key}: version {version.number} ({state})")
        self.stdout.write(f"  {len(result.changes)} settings changed")
        for change in result.changes:
            self.stdout.write(f"    {settings_spec.SETTINGS[change.setting].label}")
        if result.scheduled:
            self.stdout.write(f"  {len(result.scheduled)} changes scheduled")
            for made in result.scheduled:
                self.stdout.write(f"    from {made.effective_on}: "
                                  f"{settings_spec.SETTINGS[made.setting].label}")
        if result.cancelled:
            self.stdout.write(f"  {len(result.cancelled)} changes scheduled by another preset "
                              "cancelled")

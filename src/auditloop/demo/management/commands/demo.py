"""`auditloop demo`: make a fictional demo council, with a demo sign-in for every role."""

from __future__ import annotations

import datetime as dt
import time
from argparse import ArgumentParser, ArgumentTypeError
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.db.models import ProtectedError

from auditloop.cases.models import Case
from auditloop.demo.generator import (
    DEFAULT_SEED,
    DEMO_PASSWORD,
    SCALES,
    DemoCouncilExists,
    generate_council,
    reset_council,
)
from auditloop.demo.history import DEFAULT_HISTORY_MONTHS


def _date(value: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except ValueError as exc:
        raise ArgumentTypeError(f"{value!r} is not a date: use YYYY-MM-DD") from exc


class Command(BaseCommand):
    help = (
        "Make a fictional council (services, teams, staff, 18 months of cases) and a demo "
        "sign-in for every role. Every name and identifier is invented."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument(
            "--scale", choices=list(SCALES), default="standard",
            help="small (tests, ~300 cases), standard (~4,000 cases) or large (benchmarks, "
                 "50,000 cases). Default: standard.",
        )
        parser.add_argument("--seed", type=int, default=DEFAULT_SEED,
                            help=f"The random seed. Default: {DEFAULT_SEED}.")
        parser.add_argument("--reference-date", type=_date, default=None,
                            help="The day the council's history runs up to. Default: today.")
        parser.add_argument("--if-empty", action="store_true",
                            help="Do nothing if the case register already has cases.")
        parser.add_argument(
            "--preset", default="002-six-key-areas",
            help="The framework preset the demo council runs (`auditloop preset list`); every "
                 "shipped tool is loaded so the others can be tried. 'none' leaves the "
                 "framework alone. Default: 002-six-key-areas.",
        )
        parser.add_argument(
            "--history-months", type=int, default=DEFAULT_HISTORY_MONTHS,
            help="Months of past audit cycles to make, each with graded audits (0 for none). "
                 f"Needs a preset. Default: {DEFAULT_HISTORY_MONTHS}.",
        )
        parser.add_argument("--reset", action="store_true",
                            help="Delete the demo council made before, then make a new one.")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["if_empty"] and Case.objects.exists():
            self.stdout.write("The case register already has cases, so no demo council was made.")
            return
        started = time.monotonic()
        if options["reset"]:
            try:
                removed = reset_council()
            except ProtectedError as exc:
                raise CommandError(
                    "The demo council could not be removed because other records still refer "
                    f"to it ({exc.args[0]}). Remove those first, or start from an empty "
                    "database."
                ) from exc
            self.stdout.write(
                f"Removed the demo council: {removed['cases']:,} cases, {removed['staff']:,} "
                f"staff, {removed['teams']:,} teams."
            )
        try:
            summary = generate_council(scale=options["scale"], seed=options["seed"],
                                       reference_date=options["reference_date"])
        except DemoCouncilExists as exc:
            raise CommandError(str(exc)) from exc
        c = summary.counts
        self.stdout.write(self.style.SUCCESS(
            f"Made a {summary.scale} demo council (seed {summary.seed}, history up to "
            f"{summary.reference_date:%-d %B %Y}) in {time.monotonic() - started:.1f} seconds:"
        ))
        self.stdout.write(
            f"  {c['services']} services, {c['localities']} localities, {c['teams']} teams\n"
            f"  {c['staff']:,} staff ({c['staff_in_post']:,} in post), "
            f"{c['absences']:,} absences, {c['training_records']:,} auditor training records\n"
            f"  {c['cases']:,} cases ({c['open_cases']:,} open), "
            f"{c['involvements']:,} involvements, {c['events']:,} events"
        )
        if options["preset"] != "none":
            self._apply_presets(options["preset"])
            if options["history_months"] > 0:
                self._build_history(summary, options["history_months"])
            self._fill_quality_queue()
        self.stdout.write(f"Demo sign-ins (password '{DEMO_PASSWORD}'):")
        for username, name in summary.demo_users.items():
            self.stdout.write(f"  {username:<32} {name}")

    def _build_history(self, summary: Any, months: int) -> None:
        """Months of audit cycles, then each feature's own history on top of it."""
        import random

        from auditloop.demo.action_plans import build as build_action_plans
        from auditloop.demo.history import build_audit_history
        from auditloop.demo.indicators import build as build_indicators
        from auditloop.demo.loop import build as build_loop
        from auditloop.demo.moderation import build as build_moderation
        from auditloop.demo.practice import build as build_practice
        from auditloop.demo.tracker import build as build_tracker
        from auditloop.demo.tracker import open_concern
        from auditloop.demo.voice import build as build_voice

        started = time.monotonic()
        rng = random.Random(summary.seed)
        history = build_audit_history(rng=rng, today=summary.reference_date, months=months)
        build_moderation(rng, summary.reference_date)
        build_tracker(rng, summary.reference_date)
        build_action_plans(rng, summary.reference_date)
        build_loop(rng, summary.reference_date)
        build_practice(summary.reference_date)
        build_voice(rng, summary.reference_date)
        open_concern(summary.reference_date)
        # Last: the indicators count the audits above as well as the returns' referrals.
        # Their referrals draw from a stream of their own, so that a change in how the
        # builders above use theirs does not move the demo's re-referral signal.
        build_indicators(random.Random(f"{summary.seed} indicators"), summary.reference_date)
        self.stdout.write(
            f"Audit history: {len(history.cycles)} monthly cycles and "
            f"{len(history.programmes)} thematic and service audit programmes, "
            f"{len(history.audits)} audits submitted and discussed "
            f"({time.monotonic() - started:.1f} seconds)."
        )

    def _fill_quality_queue(self) -> None:
        """The demo's records are written directly, not imported, so they join the Tier 1
        queue here, as an operator's catch-up would put them (`auditloop quality_queue`)."""
        from auditloop.quality.services import quality_checks_create_for_new_events

        added = quality_checks_create_for_new_events()
        if added:
            self.stdout.write(f"Tier 1 quality control: {added:,} record"
                              f"{'' if added == 1 else 's'} waiting for a check.")

    def _apply_presets(self, chosen: str) -> None:
        """Load every preset's tools, then the chosen preset's settings last."""
        from auditloop.common.errors import DomainError
        from auditloop.standards import presets
        from auditloop.standards.services import preset_apply

        try:
            chosen_key = presets.get_preset(chosen).key
        except DomainError as exc:
            raise CommandError(exc.message) from exc
        for preset in presets.shipped_presets():
            if preset.key != chosen_key:
                preset_apply(key=preset.key)
        preset_apply(key=chosen_key)
        self.stdout.write(f"Framework: the {chosen_key} preset, with every shipped audit tool.")

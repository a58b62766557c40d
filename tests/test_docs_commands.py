"""The commands the docs name exist and run. Every `auditloop ...` and `make ...` command in
README.md and docs/*.md (in code spans and code blocks) is found here, and each must have a
way to run it below (or a reason in EXCLUDED). Each run goes through the command's own
argument parser and then runs on a small council: the shipped samples imported, a small demo
council, a monthly cycle taken from creation to the meeting's close. A command the docs name
that does not exist, an option it does not take, or a run that fails turns the suite red."""

from __future__ import annotations

import contextlib
import datetime as dt
import io
import re
import shlex
import signal
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command, get_commands, load_command_class
from django.test import override_settings

ROOT = Path(__file__).resolve().parents[1]
DOCS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
SAMPLES = ROOT / "docs" / "samples"

# Documented commands that this test does not run, and why.
EXCLUDED = {
    # They are what runs this test (and the demo's long-running server and worker).
    "make demo": "sets up and serves the demo until stopped; its steps (migrate, demo, "
                 "db_worker) are each run below",
    "make test": "runs the whole suite, this test included",
    "make setup": "installs system packages, the pinned dependencies and the stylesheet: "
                  "what every test run has already done (make test runs it first)",
    "make bench": "tests/test_bench.py runs it with BENCH_ARGS=--quick (the small council); "
                  "the large council takes twenty minutes or more",
}

# How each documented command is run: (argv, how). `how` is "run", or "parse: why" for a
# form that is only parsed (its options checked) because running it needs what a test
# cannot have. Values in braces come from the small council as the runs go.
R = "run"
RUNS: dict[str, list[tuple[str, str]]] = {
    # --- The register: import the shipped samples, then export.
    "auditloop import <format> <file>...": [
        ("import staff {samples}/staff.csv", R),
        ("import monthly {samples}/monthly.xlsx", R),
        ("import monthly {samples}/cases.csv {samples}/involvements.csv {samples}/events.csv",
         R),
        ("import annex_a {samples}/AnnexA_ofsted_template_2019_example-B-2004.xlsx "
         "--accept-valid-rows", R),
        ("import ssda903 {samples}/ssda903/Header.csv {samples}/ssda903/Episodes.csv "
         "{samples}/ssda903/Reviews.csv", R),
        ("import cin_census {samples}/cin_census.xml", R),
    ],
    "auditloop import monthly cases.csv --encoding windows-1252": [
        ("import monthly {samples}/cases.csv --encoding windows-1252", R)],
    # --- A small demo council (standard and large take minutes: parsed only).
    "auditloop demo [--scale small|standard|large] [--seed N] [--history-months N]": [
        ("demo --scale small --seed 7 --history-months 1 --reference-date {today}", R),
        ("demo --scale standard --seed 7 --history-months 12",
         "parse: ~4,000 cases, minutes to make; the same code as small"),
        ("demo --scale large", "parse: 50,000 cases, for the benchmarks"),
    ],
    "auditloop demo": [("demo", "parse: the standard council takes minutes; demo --scale "
                                 "small runs above")],
    # --- The framework.
    "auditloop preset list": [("preset list", R)],
    "auditloop preset apply 002-six-key-areas": [("preset apply 002-six-key-areas", R)],
    "auditloop preset apply 002 --dry-run": [("preset apply 002 --dry-run", R)],
    "auditloop preset apply --dry-run": [("preset apply 002 --dry-run", R)],
    "auditloop preset apply 002 --user qa.manager": [("preset apply 002 --user {qa}", R)],
    "auditloop framework apply-scheduled": [("framework apply-scheduled", R)],
    "auditloop framework apply-scheduled --today 2023-01-01": [
        ("framework apply-scheduled --today 2023-01-01", R)],
    # --- A monthly cycle, start to finish, and a one-off programme.
    "auditloop cycle create --year 2026 --number 6 [--theme T]": [
        ("cycle create --year {year} --number {month} --theme Neglect --user {qa}", R)],
    "auditloop cycle create --year 2026 --kind external --name \"External audit\" --start "
    "2026-09-01 --end 2026-10-30": [
        ("cycle create --year {year} --kind external --name 'External audit' --start "
         "{year}-09-01 --end {year}-10-30", R)],
    "auditloop cycle propose <id> [--size 8] [--seed S] [--stratify locality,service] "
    "[--theme Neglect] [--open-longer-than 24] [--agency-type \"health visitor\"] "
    "[--step-down] [--include-closed] [--no-drift] [--favour-uncovered] "
    "[--previously-audited 10 --previously-audited-months 6]": [
        ("cycle propose {cycle} --size 8 --seed 3 --theme Neglect --open-longer-than 24 "
         "--agency-type 'health visitor' --step-down --include-closed --no-drift "
         "--favour-uncovered --previously-audited 10 --previously-audited-months 6",
         "parse: every filter at once leaves too few cases in a small council"),
        ("cycle propose {cycle} --size 4 --seed 3 --stratify locality,service --no-drift "
         "--favour-uncovered --include-closed", R),
    ],
    "auditloop cycle check-draw <id>": [("cycle check-draw {cycle}", R)],
    "auditloop cycle swap <id> --case REF --reason \"...\" [--with REF]": [
        ("cycle swap {cycle} --case {first_case} --reason 'Court hearing this month'", R),
        ("cycle swap {cycle} --case {first_case} --reason 'Moved out of the area' "
         "--with {spare_case}", R)],
    "auditloop cycle confirm <id>": [("cycle confirm {cycle}", R)],
    "auditloop cycle allocate <id> [--seed S]": [("cycle allocate {cycle} --seed 1", R)],
    "auditloop cycle override <id> --case REF --auditors STAFFNO[,STAFFNO] [--reason \"...\"]": [
        ("cycle override {cycle} --case {allocated_case} --auditors {auditor} "
         "--reason 'Knows the family from an earlier audit'", R)],
    "auditloop cycle confirm-allocation <id> [--leave-out-blocked]": [
        ("cycle confirm-allocation {cycle} --leave-out-blocked", R)],
    "auditloop cycle send-notices <id> [--kind allocation --kind audit_selected ...] "
    "[--late-reason \"...\"]": [
        ("cycle send-notices {cycle} --kind allocation --kind audit_selected "
         "--late-reason 'Sent late in this test'", R)],
    "auditloop cycle remind": [("cycle remind", R)],
    "auditloop cycle meeting <id> --agenda": [("cycle meeting {cycle} --agenda", R)],
    "auditloop cycle meeting <id> --discuss REF --impact ... --needs-met ... --strengths ... "
    "--development ...": [
        ("cycle meeting {cycle} --discuss {submitted_case} --impact 'Safer at home' "
         "--needs-met 'Mostly' --strengths 'Voice of the child' --development 'Plan dates'",
         R)],
    "auditloop cycle meeting <id> --attendance ... --prevalent-issue Neglect --next-theme": [
        ("cycle meeting {cycle} --attendance 'QA manager, 3 auditors' --prevalent-issue "
         "Neglect --next-theme", R)],
    "auditloop cycle meeting <id> --close [--open-audits N]": [
        # The review is done with the audits not yet submitted still open, as confirmed.
        ("cycle meeting {cycle} --close --open-audits {open_audits}", R)],
    "auditloop cycle export-case-notes <id> [--output notes.csv]": [
        ("cycle export-case-notes {cycle} --output {tmp}/notes.csv", R)],
    "auditloop cycle list | show <id> | coverage": [
        ("cycle list", R), ("cycle show {cycle}", R), ("cycle coverage", R)],
    "auditloop cycle ...": [("cycle list --json", R)],
    # Children's records: who is exporting (the demo's QA manager) and why.
    'auditloop export allocations --as <username> --reason "..."': [
        ("export allocations --as {qa} --reason 'Checking workloads'", R)],
    'auditloop export allocations [--cycle <id>] [--output allocations.csv] --as <username> '
    '--reason "..."': [
        ("export allocations --cycle {cycle} --output {tmp}/allocations.csv --as {qa} "
         "--reason 'Checking workloads'", R)],
    'auditloop export allocations [--cycle ID] --as USERNAME --reason "..."': [
        ("export allocations --cycle {cycle} --as {qa} --reason 'Checking workloads'", R)],
    'auditloop export cases|staff|involvements|allocations [--as USERNAME --reason "..."]': [
        ("export cases --as {qa} --reason 'Checking the register'", R), ("export staff", R),
        ("export involvements --as {qa} --reason 'Checking the register'", R),
        ("export allocations --as {qa} --reason 'Checking workloads'", R)],
    'auditloop export cases|involvements|staff [--output FILE] [--as USERNAME --reason "..."]': [
        ("export cases --output {tmp}/cases.csv --as {qa} --reason 'Checking the register'", R),
        ("export involvements --output {tmp}/involvements.csv --as {qa} "
         "--reason 'Checking the register'", R),
        ("export staff --output {tmp}/staff.csv", R)],
    "auditloop export": [
        ("export cases --output {tmp}/again.csv --as {qa} --reason 'Checking the register'", R)],
    "auditloop import": [("import staff {samples}/staff.csv", R)],
    # --- Statistical process control on the shipped series (CSV on standard input).
    "auditloop spc p < docs/samples/good-or-better.csv": [
        ("spc p < {samples}/good-or-better.csv", R)],
    "auditloop spc xmr --rebase 2026-01 < docs/samples/impact-scores.csv": [
        ("spc xmr --rebase 2026-01 < {samples}/impact-scores.csv", R)],
    "auditloop spc p": [("spc p --direction increase < {samples}/good-or-better.csv", R)],
    "auditloop spc xmr": [("spc xmr --no-screen-outliers < {samples}/impact-scores.csv", R)],
    "auditloop spc xmr|p": [("spc xmr < {samples}/impact-scores.csv", R),
                            ("spc p < {samples}/good-or-better.csv", R)],
    # --- Reports from the command line (docs/reports.md), on the demo council's history.
    "auditloop report <kind> --period ... --format pdf|docx|xlsx": [
        ("report monthly --period {last_month} --format xlsx --output {tmp}/m.xlsx", R),
        ("report monthly --period {last_month} --format pdf --output {tmp}/m.pdf", R),
        ("report monthly --period {last_month} --format docx --output {tmp}/m.docx", R)],
    "auditloop report --list": [("report --list", R)],
    "auditloop report monthly --period 2026-03 --format pdf": [
        ("report monthly --period 2026-03 --format pdf --output {tmp}/monthly.pdf", R)],
    "auditloop report quarterly --period 2026-Q1 --format docx --output q1.docx": [
        ("report quarterly --period 2026-Q1 --format docx --output {tmp}/q1.docx", R)],
    "auditloop report annual --period 2025-26 --format xlsx": [
        ("report annual --period 2025-26 --format xlsx --output {tmp}/annual.xlsx", R)],
    "auditloop report service --period 2026-03 --service \"Early Help\" --format pdf": [
        ("report service --period 2026-03 --service 'Early Help' --format pdf "
         "--output {tmp}/service.pdf", R)],
    # --- Daily jobs and the worker.
    "auditloop quality_queue": [("quality_queue", R)],
    "auditloop escalate_actions": [("escalate_actions", R)],
    "auditloop escalate_actions --date 2026-07-01 --json": [
        ("escalate_actions --date {today} --json", R)],
    "auditloop escalate_actions --queue": [("escalate_actions --queue", "queue")],
    "auditloop escalate_practice_alerts": [("escalate_practice_alerts", R)],
    "auditloop compute_indicators --queue": [("compute_indicators --queue", "queue")],
    "auditloop compute_indicators --from 2024-12 --to 2026-11": [
        ("compute_indicators --from {last_month} --to {last_month}", R)],
    "auditloop retention": [("retention", R)],
    "auditloop retention [--dry-run]": [("retention --dry-run", R)],
    "auditloop retention --dry-run": [("retention --dry-run", R)],
    "auditloop retention --queue": [("retention --queue", "queue")],
    "auditloop retention --runs 5": [("retention --runs 5", R)],
    "auditloop db_worker": [
        # The documented form runs until stopped; --batch runs what is queued, then exits.
        ("db_worker --queue-name * --batch --no-startup-delay --no-reload", "worker")],
    "auditloop db_worker --queue-name '*' --no-reload": [
        ("db_worker --queue-name * --no-reload",
         "parse: runs until stopped; the run above drains the queue with these options")],
    # --- Operators' commands.
    "auditloop migrate": [("migrate --check", R)],
    "auditloop collectstatic --no-input": [
        ("collectstatic --no-input",
         "parse: fills STATIC_ROOT; tests/common/test_production_server.py runs it and "
         "serves the files it collects")],
    "auditloop purge_access_log --before 2024-12-01": [
        ("purge_access_log --before 2020-01-01", R)],
    "auditloop makemigrations standards": [("makemigrations standards --check --dry-run", R)],
    "auditloop createsuperuser": [
        ("createsuperuser --no-input --username operator.one --email operator@example.org",
         R)],
    "auditloop link_entra <username> <subject>": [("link_entra {qa} 9f8e7d6c5b4a", R)],
    "auditloop link_entra <username> --unlink": [("link_entra {qa} --unlink", R)],
    "auditloop rotate_mfa_keys": [("rotate_mfa_keys", R)],
    "auditloop rotate_mfa_keys --new-key": [("rotate_mfa_keys --new-key", R)],
    "auditloop check --deploy --fail-level WARNING": [
        ("check --deploy --fail-level WARNING",
         "parse: production settings only; tests/common/test_deploy_check.py runs it so")],
}


def _code_blocks_and_text(markdown: str) -> tuple[list[str], str]:
    lines, text, inside = [], [], False
    for line in markdown.splitlines():
        if line.lstrip().startswith("```"):
            inside = not inside
            continue
        if inside and lines and re.match(r"\s{8,}[\[-]", line):
            lines[-1] += " " + line.strip()  # an option list carried on to the next line
        else:
            (lines if inside else text).append(line)
    return lines, "\n".join(text)


def _clean(command: str) -> str:
    command = command.replace("\\|", "|")
    command = re.sub(r"\s+#.*$", "", command)  # a shell comment
    command = re.split(r"\s{2,}", command.strip())[0]  # a description beside it
    return " ".join(command.split())


def documented_commands() -> dict[str, list[str]]:
    """Each `auditloop ...` or `make ...` command in the docs, and where it is named."""
    found: dict[str, list[str]] = {}
    starts = re.compile(r"(?:^|\s|/)((?:auditloop|make) (?:[a-z].*|[a-z_-]+))$")
    for path in DOCS:
        block_lines, text = _code_blocks_and_text(path.read_text())
        candidates = list(block_lines)
        candidates += [s for s in re.findall(r"`([^`\n]+)`", text)]
        for candidate in candidates:
            match = starts.search(candidate.strip())
            if not match or match.group(1).startswith(("make sure", "auditloop is")):
                continue
            command = _clean(match.group(1))
            found.setdefault(command, []).append(path.relative_to(ROOT).as_posix())
    return found


def test_every_documented_command_has_a_run_or_a_reason():
    documented = set(documented_commands())
    assert documented, "no commands found in the docs: the extraction is broken"
    missing = documented - set(RUNS) - set(EXCLUDED)
    assert not missing, (f"documented but not run by this test (add a run to RUNS): "
                         f"{sorted(missing)}")
    stale = (set(RUNS) | set(EXCLUDED)) - documented
    assert not stale, f"no longer in the docs (remove from RUNS/EXCLUDED): {sorted(stale)}"
    assert set(EXCLUDED) == {"make demo", "make test", "make setup", "make bench"}


def _argv(template: str, values: dict[str, str]) -> tuple[list[str], Path | None]:
    """The arguments, and the file given on standard input (`< file`), if any."""
    argv = shlex.split(template.format(**values))
    if "<" in argv:
        at = argv.index("<")
        return argv[:at], Path(argv[at + 1])
    return argv, None


PLACEHOLDERS = {"samples": str(SAMPLES), "today": "2026-07-01", "qa": "qa.manager",
                "year": "2026", "month": "6", "cycle": "1", "first_case": "REF",
                "allocated_case": "REF", "submitted_case": "REF", "spare_case": "REF",
                "auditor": "S1", "open_audits": "1", "tmp": "/tmp", "last_month": "2026-03"}


# The demo and production queue tasks in the database for `db_worker`; tests run them at once.
QUEUED = {"TASKS": {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}}


def _parse(argv: list[str]) -> None:
    name, *args = argv
    commands = get_commands()
    assert name in commands, f"`auditloop {name}` is not a command"
    command = load_command_class(commands[name], name)
    with override_settings(**QUEUED):
        command.create_parser("auditloop", name).parse_args(args)


@pytest.mark.parametrize("documented", sorted(RUNS))
def test_each_run_uses_a_real_command_and_the_documented_options(documented):
    runs = RUNS[documented]
    words = set()
    for template, _how in runs:
        argv, _stdin = _argv(template, PLACEHOLDERS)
        _parse(argv)  # argparse refuses an unknown sub-command, choice or option
        words.update(argv)
    # Each option and each literal choice the docs show is used by at least one run.
    shown = documented.removeprefix("auditloop ")
    options = set(re.findall(r"(?<![\w-])--[a-z][a-z-]*", shown))
    assert options <= words, f"documented options never run: {options - words}"
    literal = [w for w in re.split(r"[\s|\[\]]+", shown)
               if re.fullmatch(r"[a-z][a-z0-9_-]*", w)]
    assert set(literal) <= words, f"documented words never run: {set(literal) - words}"


@contextlib.contextmanager
def _signals_kept() -> Iterator[None]:
    # The worker sets its own signal handlers; give the test process its own back.
    kept = {s: signal.getsignal(s) for s in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield
    finally:
        for s, handler in kept.items():
            signal.signal(s, handler)


def _call(argv: list[str], stdin: Path | None = None, **settings: Any) -> str:
    out = io.StringIO()
    extra = {"stdin": io.StringIO(stdin.read_text())} if stdin else {}
    with override_settings(**settings):
        call_command(*argv, stdout=out, stderr=io.StringIO(), **extra)
    return out.getvalue()


@pytest.mark.django_db
def test_every_documented_command_runs_on_a_small_council(tmp_path, monkeypatch):
    from auditloop.audits.models import Audit
    from auditloop.cases.models import Case
    from auditloop.people.models import Person
    from auditloop.programme.models import Cycle, CycleCase
    from tests.programme.conftest import submit

    today = dt.date.today()
    values = dict(PLACEHOLDERS, tmp=str(tmp_path), today=today.isoformat())
    monkeypatch.setenv("DJANGO_SUPERUSER_PASSWORD", "a long operator password 1")
    ran: list[str] = []

    def refresh() -> None:
        cycle = Cycle.objects.filter(kind=Cycle.Kind.MONTHLY).order_by("-pk").first()
        if cycle is None:
            return
        values["cycle"] = str(cycle.pk)
        links = (CycleCase.objects.filter(cycle=cycle)
                 .exclude(status__in=[CycleCase.Status.SWAPPED_OUT, CycleCase.Status.REMOVED])
                 .select_related("case", "audit").order_by("pk"))
        refs = [cc.case.reference for cc in links]
        if refs:
            values["first_case"] = refs[0]
            values["allocated_case"] = refs[-1]
            spare = (Case.objects.filter(closed_on__isnull=True, service=links[0].case.service)
                     .exclude(reference__in=refs).order_by("reference").first())
            values["spare_case"] = spare.reference if spare else ""
        submitted = [cc for cc in links if cc.audit and cc.audit.status != Audit.Status.ALLOCATED]
        if submitted:
            values["submitted_case"] = submitted[0].case.reference

    order = list(RUNS)
    # The register and the demo council first, then the framework, then the cycle in order.
    for documented in order:
        for template, how in RUNS[documented]:
            if how.startswith("parse"):
                continue
            if "{qa}" in template and values["qa"] == PLACEHOLDERS["qa"]:
                qa = Person.objects.filter(user__username="demo-qa_manager").first()
                assert qa is not None, "the demo council has no QA manager to run as"
                values["qa"] = "demo-qa_manager"
            if "{year}" in template:
                next_month = (today.replace(day=1) + dt.timedelta(days=32))
                values["year"], values["month"] = str(next_month.year), str(next_month.month)
            if "{auditor}" in template:
                values["auditor"] = _free_auditor(values["cycle"], values["allocated_case"])
            if "{open_audits}" in template:
                from auditloop.programme.services.meeting import still_open

                cycle = Cycle.objects.get(pk=values["cycle"])
                values["open_audits"] = str(still_open(cycle).count())
            if "--agenda" in template:
                _submit_one(values["cycle"], submit)  # the meeting discusses submitted audits
                refresh()
            argv, stdin = _argv(template, values)
            if how == "worker":
                from django_tasks_db.models import DBTaskResult

                assert DBTaskResult.objects.filter(status="READY").exists(), "nothing queued"
                # The whole run is one test transaction: the worker's check for stale
                # connections between tasks would close it (on PostgreSQL), so it is skipped.
                monkeypatch.setattr(
                    "django_tasks_db.management.commands.db_worker.close_old_connections",
                    lambda: None)
                with _signals_kept():
                    _call(argv, **QUEUED)
                assert not DBTaskResult.objects.exclude(status="SUCCESSFUL").exists()
            elif how == "queue":
                _call(argv, **QUEUED)
            else:
                _call(argv, stdin)
            ran.append(" ".join(argv))
            refresh()
    assert len(ran) == sum(1 for runs in RUNS.values() for _t, how in runs
                           if not how.startswith("parse"))


def _free_auditor(cycle_id: str, reference: str) -> str:
    """An auditor with no conflict with the case, for the documented override."""
    from auditloop.people.models import Person
    from auditloop.programme.models import AllocationLine

    line = AllocationLine.objects.filter(
        run__cycle_id=cycle_id, cycle_case__case__reference=reference).order_by("-pk").first()
    assert line is not None and line.auditor_ids, "the allocation left the case unallocated"
    return Person.objects.get(pk=line.auditor_ids[0]).staff_number


def _submit_one(cycle_id: str, submit: Any) -> None:
    from auditloop.programme.models import CycleCase

    link = CycleCase.objects.filter(cycle_id=cycle_id, audit__isnull=False).first()
    assert link is not None, "the allocation made no audits"
    submit(link.audit)

"""`auditloop cycle ...`: every step of the monthly cycle from the command line, so a council
can run its month from a scheduler and check it. Each subcommand prints plain words, or
JSON with --json.

    auditloop cycle create --year 2026 --number 6
    auditloop cycle propose 12 --size 8 --stratify locality
    auditloop cycle check-draw 12
    auditloop cycle swap 12 --case EH-1001 --reason "..." [--with EH-2002]
    auditloop cycle confirm 12
    auditloop cycle allocate 12 [--seed 7]
    auditloop cycle override 12 --case EH-1001 --auditors S001,S002 --reason "..."
    auditloop cycle confirm-allocation 12 [--leave-out-blocked]
    auditloop cycle send-notices 12 --kind allocation --kind audit_selected
    auditloop cycle remind                 (daily: reminders and overdue audits)
    auditloop cycle meeting 12 --agenda | --discuss EH-1001 --impact ... | --close
    auditloop cycle export-case-notes 12 [--output notes.csv]
    auditloop cycle list | show 12 | coverage
"""

from __future__ import annotations

import datetime as dt
import json
import sys
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from auditloop.cases.models import Case
from auditloop.common.errors import DomainError
from auditloop.people.models import Person
from auditloop.programme import exports, selectors, services
from auditloop.programme.coverage import coverage
from auditloop.programme.models import Cycle, CycleCase, CycleNotice, MeetingItem
from auditloop.programme.services.selection import sample_size_range
from auditloop.standards.selectors import framework_settings_row


def _date(value: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except ValueError as exc:
        raise CommandError(f"{value!r} is not a date: use YYYY-MM-DD") from exc


def _iso(value: Any) -> Any:
    return value.isoformat() if isinstance(value, dt.date | dt.datetime) else value


def cycle_json(cycle: Cycle) -> dict[str, Any]:
    rows = list(selectors.cycle_cases(cycle))
    return {
        "id": cycle.pk, "title": cycle.title, "kind": cycle.kind, "year": cycle.year,
        "number": cycle.number, "status": cycle.status, "theme": cycle.theme,
        "theme_source": cycle.theme_source,
        **{f: _iso(getattr(cycle, f)) for f in (
            "period_start", "period_end", "audit_starts_on", "audits_due_on", "meeting_on",
            "allocations_due_on", "notices_due_on")},
        "cases": [{
            "reference": r.case.reference, "source": r.source, "reason": r.reason,
            "status": r.status, "audit": r.audit_id,
            "auditors": [a.person.staff_number for a in r.audit.assignments.all()
                         if a.ended_at is None] if r.audit else [],
        } for r in rows],
    }


class Command(BaseCommand):
    help = "Run the monthly audit cycle: create, propose, confirm, allocate, notices, meeting."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="step", required=True)

        def add(name: str, text: str, *, cycle: bool = True) -> CommandParser:
            p = sub.add_parser(name, help=text)
            if cycle:
                p.add_argument("cycle", type=int, help="The cycle's id (`auditloop cycle list`).")
            p.add_argument("--json", action="store_true", help="Print JSON.")
            p.add_argument("--user", default="", help="The username recorded as the actor.")
            return p

        add("list", "List the cycles.", cycle=False)
        add("show", "Show a cycle and its cases.")
        add("coverage", "Coverage of open cases against the target.", cycle=False)
        p = add("create", "Create a monthly cycle (or a one-off programme).", cycle=False)
        p.add_argument("--year", type=int, required=True)
        p.add_argument("--number", type=int, help="The cycle's number (12 a year: the month).")
        p.add_argument("--theme", default="")
        p.add_argument("--kind", default=Cycle.Kind.MONTHLY, choices=Cycle.Kind.values)
        p.add_argument("--name", default="", help="A one-off programme's name.")
        p.add_argument("--start", type=_date, help="A one-off programme's first day.")
        p.add_argument("--end", type=_date, help="A one-off programme's last day.")
        p.add_argument("--meeting", type=_date, help="The meeting's date, if not the default.")
        p = add("propose", "Propose the cycle's cases.")
        p.add_argument("--size", type=int, help="Cases to choose at random (default: the "
                                                 "framework's sample size).")
        p.add_argument("--seed", type=int)
        p.add_argument("--stratify", default="", help="locality, service or both (comma "
                                                      "separated).")
        p.add_argument("--theme", action="append", default=[], help="Only cases with this "
                                                                    "theme (repeatable).")
        p.add_argument("--open-longer-than", type=int, dest="open_longer")
        p.add_argument("--agency-type", default="")
        p.add_argument("--step-down", action="store_true")
        p.add_argument("--include-closed", action="store_true")
        p.add_argument("--no-drift", action="store_true")
        p.add_argument("--favour-uncovered", action="store_true")
        p.add_argument("--previously-audited", type=int, default=0, dest="again")
        p.add_argument("--previously-audited-months", type=int, dest="again_months")
        add("check-draw", "Re-run the latest draw from its seed and population.")
        p = add("swap", "Swap a case for the next in the draw, or a named case.")
        p.add_argument("--case", required=True, help="The reference of the case to swap out.")
        p.add_argument("--with", dest="replacement", default="", help="A case to swap in.")
        p.add_argument("--reason", required=True)
        add("confirm", "Confirm the cases.")
        p = add("allocate", "Propose the auditors (the solver).")
        p.add_argument("--seed", type=int)
        p = add("override", "Choose the auditors of one case by hand.")
        p.add_argument("--case", required=True)
        p.add_argument("--auditors", required=True, help="Staff numbers, comma separated.")
        p.add_argument("--reason", default="")
        p = add("confirm-allocation", "Confirm the allocation: the audits are made.")
        p.add_argument("--leave-out-blocked", action="store_true")
        p = add("send-notices", "Send the cycle's notices (now, in this process).")
        p.add_argument("--kind", action="append", choices=CycleNotice.Kind.values, default=[])
        p.add_argument("--late-reason", default="",
                       help="Why, when they go out after the framework's date.")
        add("remind", "Reminders and overdue audits for every allocated cycle (daily).",
            cycle=False)
        p = add("meeting", "The QA meeting: agenda, minutes, prevalent issue, close.")
        p.add_argument("--agenda", action="store_true", help="Put submitted audits on it.")
        p.add_argument("--discuss", default="", help="A case's reference: record its minutes "
                                                     "and mark it discussed.")
        for f in ("impact", "needs-met", "strengths", "development", "actions"):
            p.add_argument(f"--{f}", default="")
        p.add_argument("--attendance", default="")
        p.add_argument("--prevalent-issue", default="")
        p.add_argument("--next-theme", action="store_true")
        p.add_argument("--close", action="store_true", help="The meeting is over.")
        p.add_argument("--open-audits", type=int, default=None,
                       help="With --close: confirm the review is done with this many of the "
                            "cycle's audits not submitted yet.")
        p = add("export-case-notes", "The case notes for the case management system (CSV).")
        p.add_argument("--output", "-o", help="The file to write (default: the screen).")

    def handle(self, *args: Any, **options: Any) -> None:
        self.as_json = options["json"]
        self.actor = self._actor(options["user"])
        step = options["step"].replace("-", "_")
        try:
            result = getattr(self, f"do_{step}")(options)
        except DomainError as exc:
            raise CommandError(exc.message) from exc
        if result is None:
            return
        if self.as_json:
            self.stdout.write(json.dumps(result, default=_iso, indent=2))
        else:
            self.stdout.write(result.get("message") or json.dumps(result, default=_iso))

    def _actor(self, username: str) -> Person | None:
        if not username:
            return None
        person = Person.objects.filter(user__username=username).first()
        if person is None:
            raise CommandError(f"There is no member of staff with the username {username}.")
        return person

    def _cycle(self, options: dict[str, Any]) -> Cycle:
        cycle = Cycle.objects.filter(pk=options["cycle"]).first()
        if cycle is None:
            raise CommandError(f"There is no cycle {options['cycle']}. See `auditloop cycle "
                               "list`.")
        return cycle

    def _case(self, reference: str) -> Case:
        case = Case.objects.filter(reference__in={reference, reference.upper()}).first()
        if case is None:
            raise CommandError(f"There is no case with the reference {reference}.")
        return case

    def _done(self, cycle: Cycle, message: str) -> dict[str, Any]:
        cycle.refresh_from_db()
        return {"message": message, **cycle_json(cycle)}

    # The steps ----------------------------------------------------------------------

    def do_list(self, o: dict[str, Any]) -> dict[str, Any]:
        rows = [{"id": c.pk, "title": c.title, "status": c.status, "theme": c.theme,
                 "cases": getattr(c, "case_count", 0), "audits_due_on": c.audits_due_on}
                for c in selectors.cycles()]
        lines = [f"{r['id']:>5}  {r['title']:<32} {r['status']:<16} {r['cases']:>4} cases"
                 for r in rows]
        return {"message": "\n".join(lines) or "No cycles yet.", "cycles": rows}

    def do_show(self, o: dict[str, Any]) -> dict[str, Any]:
        cycle = self._cycle(o)
        data = cycle_json(cycle)
        lines = [f"{cycle.title} ({cycle.get_status_display()}), theme: {cycle.theme or 'none'}",
                 f"Audit period {cycle.audit_starts_on} to {cycle.audits_due_on}; meeting "
                 f"{cycle.meeting_on or 'none'}"]
        lines += [f"  {c['reference']:<16} {c['source']:<18} {c['reason']}"
                  for c in data["cases"]]
        return {"message": "\n".join(lines), **data}

    def do_coverage(self, o: dict[str, Any]) -> dict[str, Any]:
        cov = coverage(on=timezone.localdate())

        def rows(rs: list[Any]) -> list[dict[str, Any]]:
            return [{"name": r.label, "open": r.open_cases, "audited": r.audited,
                     "percent": str(r.percent), "needed": r.needed} for r in rs]

        return {"message": f"{cov.total.audited} of {cov.total.open_cases} open cases audited "
                           f"since {cov.since} ({cov.total.percent}%); target "
                           f"{cov.target if cov.target is not None else 'none'}%.",
                "since": cov.since, "target": str(cov.target) if cov.target else None,
                "teams": rows(cov.teams), "localities": rows(cov.localities)}

    def do_create(self, o: dict[str, Any]) -> dict[str, Any]:
        cycle = services.cycle_create(
            year=o["year"], number=o["number"], theme=o["theme"], kind=o["kind"],
            name=o["name"], period_start=o["start"], period_end=o["end"],
            meeting_on=o["meeting"], actor=self.actor)
        return self._done(cycle, f"Created the {cycle.title} (id {cycle.pk}).")

    def do_propose(self, o: dict[str, Any]) -> dict[str, Any]:
        cycle = self._cycle(o)
        # No --size: the framework's number, drawn within its range (003: 6 to 8).
        size = o["size"]
        if size is None and sample_size_range(framework_settings_row()) is None:
            raise CommandError("The framework has no sample size: give --size.")
        ask = services.SelectionAsk(
            random_count=size, seed=o["seed"],
            stratify_by=tuple(s.strip() for s in o["stratify"].split(",") if s.strip()),
            include_closed=o["include_closed"], themes=tuple(o["theme"]),
            open_longer_than_months=o["open_longer"],
            agency_types=(o["agency_type"],) if o["agency_type"] else (),
            step_down_only=o["step_down"], drift=not o["no_drift"],
            favour_uncovered=o["favour_uncovered"], previously_audited_count=o["again"],
            previously_audited_months=o["again_months"])
        draw = services.selection_propose(cycle=cycle, ask=ask, actor=self.actor)
        result = self._done(cycle, "")
        result["seed"] = draw.seed
        result["message"] = (f"Proposed {len(result['cases'])} cases (seed {draw.seed}, "
                             f"{len(draw.population)} eligible):\n" + "\n".join(
                                 f"  {c['reference']:<16} {c['reason']}"
                                 for c in result["cases"]))
        return result

    def do_check_draw(self, o: dict[str, Any]) -> dict[str, Any]:
        cycle = self._cycle(o)
        draw = selectors.latest_draw(cycle)
        if draw is None:
            raise CommandError("This cycle has no draw yet.")
        rerun = selectors.draw_rerun(draw)
        if not rerun.same:
            self.stderr.write("The draw does not give the cases stored with it.")
            if not self.as_json:
                sys.exit(1)
        return {"message": ("Same cases: the draw is reproducible." if rerun.same else
                            "Different cases."), "same": rerun.same, "seed": draw.seed,
                "population": rerun.population, "chosen": list(draw.chosen),
                "again": rerun.again}

    def do_swap(self, o: dict[str, Any]) -> dict[str, Any]:
        cycle = self._cycle(o)
        case = self._case(o["case"])
        row = CycleCase.objects.filter(cycle=cycle, case=case,
                                       status__in=CycleCase.workflow.groups["current"]).first()
        if row is None:
            raise CommandError(f"{case.reference} is not on the cycle's list.")
        new = services.selection_swap(
            cycle_case=row, actor=self.actor, reason=o["reason"],
            replacement=self._case(o["replacement"]) if o["replacement"] else None)
        return self._done(cycle, f"Swapped {case.reference} for {new.case.reference}.")

    def do_confirm(self, o: dict[str, Any]) -> dict[str, Any]:
        cycle = services.selection_confirm(cycle=self._cycle(o), actor=self.actor)
        return self._done(cycle, f"Confirmed the cases of the {cycle.title}.")

    def do_allocate(self, o: dict[str, Any]) -> dict[str, Any]:
        cycle = self._cycle(o)
        run = services.allocation_propose(cycle=cycle, actor=self.actor, seed=o["seed"])
        lines = list(selectors.allocation_lines(run))
        data = [{"reference": v.line.cycle_case.case.reference,
                 "auditors": [p.staff_number for p in v.auditors],
                 "blocked": v.line.blocked} for v in lines]
        text = [f"  {d['reference']:<16} " + (", ".join(p.full_name for p in v.auditors)
                                              or "BLOCKED: " + "; ".join(d["blocked"]))
                for d, v in zip(data, lines, strict=True)]
        return {"message": f"Proposed (seed {run.seed}, {run.seconds:.2f} s):\n"
                           + "\n".join(text),
                "run": run.pk, "seed": run.seed, "seconds": run.seconds, "lines": data}

    def do_override(self, o: dict[str, Any]) -> dict[str, Any]:
        cycle = self._cycle(o)
        run = selectors.latest_run(cycle)
        if run is None or not run.is_proposed:
            raise CommandError("There is no proposed allocation: run `cycle allocate` first.")
        case = self._case(o["case"])
        line = run.lines.filter(cycle_case__case=case).first()
        if line is None:
            raise CommandError(f"{case.reference} is not in the proposal.")
        numbers = [n.strip() for n in o["auditors"].split(",") if n.strip()]
        people = dict(Person.objects.filter(staff_number__in=numbers).values_list(
            "staff_number", "pk"))
        missing = [n for n in numbers if n not in people]
        if missing:
            raise CommandError(f"No member of staff has the number {', '.join(missing)}.")
        services.allocation_override(line=line, auditor_ids=[people[n] for n in numbers],
                                     actor=self.actor, reason=o["reason"])
        return {"message": f"{case.reference}: auditors changed.", "reference": case.reference,
                "auditors": numbers}

    def do_confirm_allocation(self, o: dict[str, Any]) -> dict[str, Any]:
        cycle = self._cycle(o)
        run = selectors.latest_run(cycle)
        if run is None:
            raise CommandError("There is no proposed allocation: run `cycle allocate` first.")
        made = services.allocation_confirm(run=run, actor=self.actor,
                                           leave_out_blocked=o["leave_out_blocked"])
        return self._done(cycle, f"Made {len(made)} audits.")

    def do_send_notices(self, o: dict[str, Any]) -> dict[str, Any]:
        cycle = self._cycle(o)
        kinds = o["kind"] or [CycleNotice.Kind.ALLOCATION, CycleNotice.Kind.AUDIT_SELECTED]
        services.notices_queue(cycle=cycle, kinds=kinds, actor=self.actor,
                               late_reason=o["late_reason"])
        sent = services.notices_send(cycle_id=cycle.pk)
        batches = [{"kind": b.kind, "status": b.status, "sent": b.sent_count, "late": b.late}
                   for b in selectors.notice_batches(cycle)[:len(kinds)]]
        return {"message": f"Sent {sent} notices.", "sent": sent, "batches": batches}

    def do_remind(self, o: dict[str, Any]) -> dict[str, Any]:
        queued = services.reminders_due()
        sent = sum(services.notices_send(cycle_id=c) for c in {n.cycle_id for n in queued})
        return {"message": f"Sent {sent} reminders and overdue notices.", "sent": sent}

    def do_meeting(self, o: dict[str, Any]) -> dict[str, Any]:
        cycle = self._cycle(o)
        said = []
        if o["agenda"]:
            made = services.agenda_build(cycle=cycle, actor=self.actor)
            said.append(f"{len(made)} audits added to the agenda.")
        if o["discuss"]:
            case = self._case(o["discuss"])
            item = MeetingItem.objects.filter(cycle=cycle, audit__case=case).first()
            if item is None:
                raise CommandError(f"{case.reference} is not on the agenda.")
            services.minutes_save(item=item, actor=self.actor, impact=o["impact"],
                                  needs_met=o["needs_met"], strengths=o["strengths"],
                                  development=o["development"], actions_agreed=o["actions"],
                                  discussed=True)
            said.append(f"{case.reference} discussed.")
        if o["attendance"] or o["prevalent_issue"] or o["next_theme"]:
            cycle.refresh_from_db()
            services.meeting_details_save(
                cycle=cycle, actor=self.actor,
                attendance=o["attendance"] or cycle.meeting_attendance,
                prevalent_issue=o["prevalent_issue"] or cycle.prevalent_issue,
                sets_next_theme=o["next_theme"])
            said.append("Meeting details saved.")
        if o["close"]:
            cycle.refresh_from_db()
            services.meeting_close(cycle=cycle, actor=self.actor,
                                   open_confirmed=o["open_audits"])
            sent = services.notices_send(cycle_id=cycle.pk)
            said.append(f"The meeting is over; {sent} audit reports sent.")
        if not said:
            raise CommandError("Say what to do: --agenda, --discuss, --prevalent-issue or "
                               "--close.")
        agenda = [{"reference": i.audit.case.reference, "position": i.position,
                   "discussed": i.discussed_at is not None}
                  for i in selectors.agenda(cycle)]
        return {**self._done(cycle, " ".join(said)), "agenda": agenda}

    def do_export_case_notes(self, o: dict[str, Any]) -> dict[str, Any] | None:
        cycle = self._cycle(o)
        if not cycle.is_reviewed_or_later:
            raise CommandError("The case notes are ready after the meeting.")
        if o["output"]:
            try:
                with open(o["output"], "w", encoding="utf-8-sig", newline="") as out:
                    count = exports.write_case_notes(out, cycle=cycle)
            except OSError as exc:
                raise CommandError(f"Could not write {o['output']}: {exc.strerror}.") from exc
            return {"message": f"Wrote {count} case notes to {o['output']}.", "count": count,
                    "output": o["output"]}
        exports.write_case_notes(self.stdout, cycle=cycle)
        return None

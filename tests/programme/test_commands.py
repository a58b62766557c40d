"""`auditloop cycle ...` runs the month from a scheduler, with --json; `auditloop
export allocations` writes who audits what as CSV with formula-safe cells."""

import csv
import datetime as dt
import io
import json

import pytest
import time_machine
from django.core.management import CommandError, call_command

from auditloop.audits.models import Audit
from auditloop.notifications.models import Notification
from auditloop.programme.models import Cycle, CycleCase, MeetingItem
from tests.programme.conftest import set_framework, submit

pytestmark = pytest.mark.django_db


def run(*args):
    out = io.StringIO()
    call_command("cycle", *args, stdout=out)
    return out.getvalue()


def run_json(*args):
    return json.loads(run(*args, "--json"))


def test_a_month_runs_from_the_command_line(framework, council, auditors, fake_solver,
                                            person_with_role):
    set_framework(allocation_unit="singles")
    people = auditors(4)
    qa = person_with_role("qa_manager")
    created = run_json("create", "--year", "2026", "--number", "6", "--user",
                       qa.user.username)
    cycle_id = str(created["id"])
    assert created["title"] == "June 2026 cycle" and created["audits_due_on"] == "2026-06-29"
    proposed = run_json("propose", cycle_id, "--seed", "3", "--stratify", "locality")
    assert len(proposed["cases"]) == 4 and proposed["seed"] == 3
    assert run_json("check-draw", cycle_id)["same"] is True
    first = proposed["cases"][0]["reference"]
    swapped = run_json("swap", cycle_id, "--case", first, "--reason", "Court hearing")
    assert first not in [c["reference"] for c in swapped["cases"]]
    assert run_json("confirm", cycle_id)["status"] == "cases_confirmed"
    allocation = run_json("allocate", cycle_id, "--seed", "1")
    assert all(line["auditors"] for line in allocation["lines"])
    target = allocation["lines"][0]["reference"]
    changed = run_json("override", cycle_id, "--case", target, "--auditors",
                       people[3].staff_number)
    assert changed["auditors"] == [people[3].staff_number]
    made = run_json("confirm-allocation", cycle_id)
    assert made["status"] == "allocated" and all(c["audit"] for c in made["cases"])
    sent = run_json("send-notices", cycle_id, "--late-reason", "The audit tool was updated")
    assert sent["sent"] > 0 and {b["kind"] for b in sent["batches"]} == {
        "allocation", "audit_selected"}
    cycle = Cycle.objects.get(pk=cycle_id)
    audit = CycleCase.objects.get(cycle=cycle, case__reference=target).audit
    submit(audit)
    agenda = run_json("meeting", cycle_id, "--agenda")
    assert [a["reference"] for a in agenda["agenda"]] == [target]
    run_json("meeting", cycle_id, "--discuss", target, "--impact", "Safer", "--strengths", "Voice",
             "--prevalent-issue", "Neglect", "--next-theme")
    # Three of the four audits are not submitted yet: the close says how many it leaves open.
    closed = run_json("meeting", cycle_id, "--close", "--open-audits", "3")
    assert closed["status"] == "reviewed"
    assert Audit.objects.get(pk=audit.pk).status == Audit.Status.DISCUSSED
    assert MeetingItem.objects.get().report_sent_at is not None
    notes = run("export-case-notes", cycle_id)
    rows = list(csv.reader(io.StringIO(notes)))
    assert rows[0][0] == "Case reference" and rows[1][0] == target
    assert cycle.events.filter(actor=qa).exists()
    assert "June 2026 cycle" in run("list")
    shown = run_json("show", cycle_id)
    assert shown["cases"][0]["auditors"]


@time_machine.travel(dt.datetime(2026, 6, 25, 7), tick=False)
def test_the_scheduler_sends_reminders_daily_and_only_once(framework, council, auditors,
                                                           fake_solver):
    from auditloop.programme import services
    from tests.programme.test_allocation import confirmed_cycle

    set_framework(allocation_unit="singles")
    auditors(2)
    cycle = confirmed_cycle(council["cases"][:1])
    services.allocation_confirm(run=services.allocation_propose(cycle=cycle, actor=None),
                                actor=None)
    assert run_json("remind")["sent"] == 1  # the audit is due on 29 June
    assert Notification.objects.get().subject == "An audit is due soon"
    assert run_json("remind")["sent"] == 0


def test_mistakes_are_reported_in_plain_words(framework):
    with pytest.raises(CommandError, match="There is no cycle 99"):
        run("confirm", "99")
    with pytest.raises(CommandError, match="There is no member of staff with the username"):
        run("create", "--year", "2026", "--number", "6", "--user", "nobody")
    cycle_id = str(run_json("create", "--year", "2026", "--number", "6")["id"])
    with pytest.raises(CommandError, match="no cases on the list"):
        run("confirm", cycle_id)
    with pytest.raises(CommandError, match="already a cycle 6"):
        run("create", "--year", "2026", "--number", "6")
    with pytest.raises(CommandError, match="ready after the meeting"):
        run("export-case-notes", cycle_id)
    with pytest.raises(CommandError, match="Say what to do"):
        run("meeting", cycle_id)


def test_export_allocations_writes_who_audits_what(framework, council, auditors, fake_solver,
                                                   tmp_path):
    from auditloop.common.models import AccessLog
    from auditloop.people.models import Person
    from auditloop.people.roles import Role
    from auditloop.programme import services
    from tests.factories import PersonFactory
    from tests.programme.test_allocation import confirmed_cycle

    qa = PersonFactory(roles=[Role.QA_MANAGER])
    who = ("--as", qa.user.username, "--reason", "Checking workloads")

    set_framework(allocation_unit="singles")
    (a,) = auditors(1)
    Person.objects.filter(pk=a.pk).update(full_name="=cmd|' /C calc'!A0")
    cycle = confirmed_cycle(council["cases"][:2])
    services.allocation_confirm(run=services.allocation_propose(cycle=cycle, actor=None),
                                actor=None)
    with pytest.raises(CommandError, match="say who is exporting and why"):
        call_command("export", "allocations", stdout=io.StringIO())
    out = io.StringIO()
    call_command("export", "allocations", *who, stdout=out)
    # One EXPORT row for each case whose audit is in the file, with the reason.
    logged = AccessLog.objects.filter(action=AccessLog.Action.EXPORT, object_type="case")
    assert sorted(logged.values_list("object_id", flat=True)) == sorted(
        str(c.pk) for c in council["cases"][:2])
    assert set(logged.values_list("reason", "path")) == {
        ("Checking workloads", "auditloop export allocations")}
    rows = list(csv.reader(io.StringIO(out.getvalue())))
    assert rows[0][:2] == ["Cycle", "Case reference"] and len(rows) == 3
    assert rows[1][6] == "'=cmd|' /C calc'!A0"  # never run as a formula
    target = tmp_path / "allocations.csv"
    err = io.StringIO()
    call_command("export", "allocations", "--cycle", str(cycle.pk), "--output", str(target),
                 *who, stderr=err)
    assert "Wrote 2 rows" in err.getvalue()
    assert target.read_bytes().startswith(b"\xef\xbb\xbf")
    with pytest.raises(CommandError, match="There is no cycle 99"):
        call_command("export", "allocations", "--cycle", "99", *who)
    with pytest.raises(CommandError, match="--cycle only goes with `export allocations`"):
        call_command("export", "cases", "--cycle", str(cycle.pk), *who)

"""The case import writes set by set: its queries do not grow with the rows, a file imported
again unchanged writes nothing to the register, and the batch leaves the register as the
one-row-at-a-time services would."""

import datetime as dt

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from auditloop.cases.models import Case, CaseEvent, ImportJob, Involvement
from auditloop.cases.services import imports
from auditloop.cases.services.register import RegisterBatch, case_holder_set, involvement_record
from auditloop.people.models import Service
from tests.cases.importing import csv_bytes, run_import
from tests.factories import CaseFactory, PersonFactory, ServiceFactory, TeamFactory

pytestmark = pytest.mark.django_db
S = ImportJob.Status
APRIL = dt.datetime(2026, 4, 1, 12, tzinfo=dt.UTC)
CASE_HEADER = ["Case reference", "Child identifier", "Date of birth", "Service", "Team",
               "Key worker staff number", "Team manager staff number", "Open date",
               "Closed date", "Themes"]
INVOLVEMENT_HEADER = ["Case reference", "Staff number", "Role", "Start date", "End date"]
EVENT_HEADER = ["Case reference", "Event kind", "Date", "Detail"]
REGISTER_TABLES = (Case._meta.db_table, Involvement._meta.db_table, CaseEvent._meta.db_table,
                   Case.themes.through._meta.db_table)
# More rows may take a few more statements, never more queries per row: SQLite's bulk
# INSERT carries at most 999 values (45 cases or 140 involvements a statement).
SLACK = 4


@pytest.fixture
def staff(monkeypatch):
    # The job's progress is saved by the clock; keep it out of the counts.
    monkeypatch.setattr(imports, "PROGRESS_INTERVAL", 3600.0)
    service = ServiceFactory(name="Child in Need", kind=Service.Kind.CIN)
    team = TeamFactory(name="Children in Need North", service=service)
    return {n: PersonFactory(staff_number=n, team=team) for n in ("S200", "S201", "S202")}


def files(n, *, worker="S201", closed=""):
    cases = [[f"CIN-{i}", f"C{i}", "02/07/2012", "cin", "Children in Need North", worker,
              "S200", "12/11/2025", closed, "Neglect; Domestic abuse"] for i in range(n)]
    involvements = [[f"CIN-{i}", "S202", "iro", "01/12/2025", ""] for i in range(n)]
    events = [[f"CIN-{i}", "statutory_visit", "15/01/2026", "Seen"] for i in range(n)]
    return [("cases.csv", csv_bytes(CASE_HEADER, *cases)),
            ("involvements.csv", csv_bytes(INVOLVEMENT_HEADER, *involvements)),
            ("events.csv", csv_bytes(EVENT_HEADER, *events))]


def queries_of(n, **kw):
    with CaptureQueriesContext(connection) as captured:
        job = run_import("monthly", *files(n, **kw))
    assert job.status == S.SUCCEEDED, (job.summary, job.problems)
    return job, [q["sql"] for q in captured.captured_queries]


def writes_to_register(sqls):
    return [q for q in sqls if q.lstrip().upper().startswith(("INSERT", "UPDATE", "DELETE"))
            and any(f'"{table}"' in q for table in REGISTER_TABLES)]


def test_importing_new_cases_takes_as_many_queries_for_50_rows_as_for_5(staff):
    with time_machine.travel(APRIL, tick=False):
        few, few_sql = queries_of(5)
        Case.objects.all().delete()
        many, many_sql = queries_of(50)
    assert many.summary["cases_created"] == 50
    assert many.summary["involvements_created"] == 150  # key worker, team manager, IRO
    assert many.summary["events_created"] == 50
    assert len(many_sql) <= len(few_sql) + SLACK, (len(few_sql), len(many_sql))


def test_an_unchanged_file_imported_again_writes_nothing_to_the_register(staff):
    with time_machine.travel(APRIL, tick=False):
        run_import("monthly", *files(50))
    stamps = dict(Case.objects.values_list("reference", "updated_at"))
    with time_machine.travel(APRIL + dt.timedelta(days=31), tick=False):
        few, few_sql = queries_of(5)
        again, again_sql = queries_of(50)
    assert writes_to_register(again_sql) == []
    assert {k: again.summary[k] for k in ("cases_created", "cases_updated",
                                          "involvements_created", "events_created")} == {
        "cases_created": 0, "cases_updated": 0, "involvements_created": 0,
        "events_created": 0}
    assert dict(Case.objects.values_list("reference", "updated_at")) == stamps
    assert len(again_sql) <= len(few_sql) + SLACK, (len(few_sql), len(again_sql))


def test_a_new_key_worker_for_every_case_is_written_in_bulk(staff):
    with time_machine.travel(APRIL, tick=False):
        run_import("monthly", *files(5))
        run_import("monthly", *files(50))
    with time_machine.travel(APRIL + dt.timedelta(days=30), tick=False):
        few, few_sql = queries_of(5, worker="S202")
    with time_machine.travel(APRIL + dt.timedelta(days=30), tick=False):
        many, many_sql = queries_of(50, worker="S202")
    assert few.summary["involvements_created"] == 5 and few.summary["involvements_ended"] == 5
    assert many.summary["involvements_created"] == 45
    assert many.summary["involvements_ended"] == 45
    assert len(many_sql) <= len(few_sql) + SLACK, (len(few_sql), len(many_sql))
    assert set(Case.objects.values_list("key_worker__staff_number", flat=True)) == {"S202"}
    rows = list(Case.objects.get(reference="CIN-49").involvements.filter(role="key_worker")
                .values_list("person__staff_number", "started_on", "ended_on"))
    assert rows == [("S201", dt.date(2025, 11, 12), dt.date(2026, 4, 30)),
                    ("S202", dt.date(2026, 5, 1), None)]


def test_closing_every_case_ends_their_involvements_in_bulk(staff):
    with time_machine.travel(APRIL, tick=False):
        run_import("monthly", *files(50))
        job, sql = queries_of(50, closed="20/03/2026")
    assert job.summary["cases_closed"] == 50
    assert not Involvement.objects.filter(ended_on__isnull=True).exists()
    assert not Case.objects.filter(key_worker__isnull=False).exists()
    assert len([q for q in writes_to_register(sql) if q.lstrip().upper().startswith("UPDATE")
                and f'"{Involvement._meta.db_table}"' in q]) == 1


def _history(case):
    return sorted(case.involvements.values_list("person_id", "role", "started_on", "ended_on"))


def test_the_batch_leaves_the_register_as_the_services_one_at_a_time_would(staff):
    """Several holders, rows starting the same day, a closing: the batch (written once)
    and the services (written as they go) end with the same rows and holders."""
    s200, s201, s202 = staff["S200"], staff["S201"], staff["S202"]
    days = [dt.date(2026, 1, d) for d in (1, 10, 10, 20)]
    steps = [("record", s201, days[0], None), ("record", s202, days[1], None),
             ("record", s200, days[1], None), ("holder", s201, days[3], None),
             ("record", s202, days[0], days[2]), ("holder", None, days[3], None)]
    one = CaseFactory(reference="ONE", opened_on=dt.date(2025, 12, 1), key_worker=None)
    other = CaseFactory(reference="TWO", opened_on=dt.date(2025, 12, 1), key_worker=None)
    for kind, person, day, end in steps:
        if kind == "record":
            involvement_record(case=one, person=person, role="key_worker", started_on=day,
                               ended_on=end)
        else:
            case_holder_set(case=one, role="key_worker", person=person, on=day)
    batch = RegisterBatch(source="monthly")
    batch.read(["TWO"], lock=True)
    for kind, person, day, end in steps:
        if kind == "record":
            batch.involvement_record(reference="TWO", person_id=person.pk, role="key_worker",
                                     started_on=day, ended_on=end)
        else:
            batch.case_holder_set(reference="TWO", role="key_worker",
                                  person_id=person.pk if person else None, on=day)
    batch.write()
    one.refresh_from_db()
    other.refresh_from_db()
    assert _history(other) == _history(one)
    assert other.key_worker_id == one.key_worker_id

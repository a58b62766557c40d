"""Import throughput of the statutory returns beside what merely reading or loading them costs.

Used by `make bench` (benchmarks/bench.py) after the monthly layout (benchmarks/imports.py),
for the same number of rows:

- an Ofsted Annex A workbook (XLSX) of `rows` children, spread evenly over Lists 2 to 9
  (one list each; references BENCHA-000001 on, none of them in the register), each list with
  a worker on the lists that name one: a member of the council's staff in a team of that
  list's service, named as "Allocated Worker" in their own "Allocated Team" so the import
  matches the name; timed beside the floor of merely reading the workbook with the reader
  the import uses (openpyxl, read-only, every cell of every sheet);
- an SSDA903 pair, Header and Episodes CSVs, of `rows` children in care (references
  BENCH903-000001 on) with one to two episodes each; timed beside the floor of loading the
  same rows into plain tables of text columns by the database's own bulk load (PostgreSQL's
  COPY FROM STDIN; on SQLite, executemany of one INSERT), as imports.bulk_floor does.

Each import is timed new, then again with the same files unchanged, as `auditloop import
<format>` runs it (one job, in this process, not the background worker). Django must be set
up by the caller (_setup.setup_django). remove_imported() deletes the cases and import jobs
made here, so the measurements can run again on the same database.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import random
import time
from collections import Counter
from collections.abc import Sequence
from typing import Any

ANNEX_A_PREFIX = "BENCHA-"
SSDA903_PREFIX = "BENCH903-"
ANNEX_A_FILE = "bench-annex-a.xlsx"
HEADER_FILE = "bench-903-Header.csv"
EPISODES_FILE = "bench-903-Episodes.csv"
FILE_NAMES = (ANNEX_A_FILE, HEADER_FILE, EPISODES_FILE)

# The Annex A template's (2019) headers for the lists the import reads, as Ofsted issues them.
CHILD = ["Child Unique ID", "Gender", "Ethnicity", "Date of Birth", "Age of Child (Years)"]
DISABILITY = "Does the Child have a Disability"
TEAM_WORKER = ["Allocated Team", "Allocated Worker"]
ANNEX_A_LISTS: dict[int, tuple[str, list[str]]] = {
    2: ("Early Help", [*CHILD, "Assessment start date", "Assessment completion date",
                       "Organisation completing assessment"]),
    3: ("Referral", [*CHILD, "Date of referral", "Referral Source", "Referral NFA?",
                     "Number of Referrals in Last 12 Months", *TEAM_WORKER]),
    4: ("Assessments", [*CHILD, DISABILITY, "Continuous Assessment Start Date",
                        "Child Seen During Continuous Assessment",
                        "Continuous Assessment Date of Authorisation",
                        "Was the child assessed as requiring LA children’s social care support",
                        *TEAM_WORKER]),
    5: ("Section 47 enquiries and Initial Child Protection Conferences", [
        *CHILD, DISABILITY, "Strategy discussion initiating Section 47 Enquiry Start Date",
        "Was an Initial Child Protection Conference deemed unnecessary?",
        "Date of Initial Child Protection Conference",
        "Did the Initial Child Protection Conference Result in a Child Protection Plan",
        "Number of Section 47 Enquiries in the last 12 months",
        "Number of ICPCs in the last 12 months", *TEAM_WORKER]),
    6: ("Children in Need", [*CHILD, DISABILITY, "CIN Start Date", "Primary Need Code",
                             "Date Child Was Last Seen", "CIN Closure Date",
                             "Reason for Closure", "Case status", *TEAM_WORKER]),
    7: ("Child protection", [
        *CHILD, DISABILITY, "Child Protection Plan Start Date", "Initial Category of Abuse",
        "Latest Category of Abuse", "Date of the Last Statutory Visit",
        "Was the Child Seen Alone?", "Date of latest review conference",
        "Child Protection Plan End Date",
        "Subject to Emergency Protection Order or Protected Under Police Powers in Last Six "
        "Months (Y/N)", "Number of Previous Child Protection Plans", *TEAM_WORKER]),
    8: ("Children in care", [
        *CHILD, "Unaccompanied Asylum Seeking Child (UASC) within the Last 12 Months (Y/N)",
        DISABILITY, "Date Started to be Looked After", "Child's Category of Need",
        "Is this a second or subsequent period of being a Looked After Child within the last "
        "12 months (Y/N)", "Start date of current legal status", "Child's Legal Status",
        "Date of Latest Statutory Review", "Date of Last Social Work Visit",
        "What is the permanence plan for this child?",
        "Date of Last IRO Visit / Contact to the Child", "Date of Last Health Assessment",
        "Date of Last Dental Check", "Number of Placements in the Last 12 months",
        "Date Ceased to be Looked After ", "Reason Ceased to be Looked After",
        "Start Date of Most Recent Placement", "Placement Type", "Placement Provider",
        "Placement postcode", "URN of Placement", "Placement Location", "LA of Placement",
        "Number of Episodes the Child has been ‘Missing’ from their Placement in the last 12 "
        "months", "Number of Episodes the Child has been ‘Absent’ from their Placement in the "
        "last 12 months", "Was the child offered a Return Interview after their last missing "
        "episode (Y/N)?", "Did the child accept a Return Interview after their last missing "
        "episode (Y/N)?", *TEAM_WORKER]),
    9: ("Care leavers", [*CHILD, DISABILITY, *TEAM_WORKER, "Eligibility Category",
                         "LA In Touch ", "Type of Accommodation",
                         "Suitability of Accommodation", "Activity Status"]),
}
# The service each list's children are in (the kind of team their worker is drawn from).
LIST_KIND = {2: "early_help", 3: "front_door", 4: "front_door", 5: "front_door", 6: "cin",
             7: "cp", 8: "cla", 9: "care_leaver"}

HEADER_COLUMNS = ["CHILD", "SEX", "DOB", "ETHNIC", "UPN", "MOTHER", "MC_DOB"]
EPISODE_COLUMNS = ["CHILD", "DECOM", "RNE", "LS", "CIN", "PLACE", "PLACE_PROVIDER", "DEC",
                   "REC", "REASON_PLACE_CHANGE", "HOME_POST", "PL_POST", "URN"]
ETHNICITIES = ["WBRI", "WIRI", "MWBC", "ABAN", "BAFR", "BCRB", "OOTH"]

Files = Sequence[Any]  # UploadedFile or (name, bytes)


# ---------------------------------------------------------------- the files


def _workers_by_kind() -> dict[str, list[tuple[str, str]]]:
    """(full name, team name) of active staff whose name is theirs alone within their team
    (so the import's match by name within the named team finds them), by service kind."""
    from auditloop.common.spreadsheets import normalise_name
    from auditloop.people.models import Person

    people = list(Person.objects.filter(is_active=True, team__isnull=False,
                                        team__service__isnull=False)
                  .exclude(full_name="")
                  .values_list("full_name", "team__name", "team__service__kind")
                  .order_by("pk"))
    seen = Counter((normalise_name(name), normalise_name(team)) for name, team, _ in people)
    out: dict[str, list[tuple[str, str]]] = {}
    for name, team, kind in people:
        if seen[(normalise_name(name), normalise_name(team))] == 1:
            out.setdefault(kind, []).append((name, team))
    if not out:
        raise SystemExit("No staff in teams: run benchmarks/generate.py first.")
    return out


def _list_row(number: int, i: int, rng: random.Random, worker: tuple[str, str] | None
              ) -> dict[str, object]:
    """One child's row of list `number`, by header (unnamed cells are blank)."""
    day = dt.date(2025, 4, 1) + dt.timedelta(days=rng.randrange(300))
    later = day + dt.timedelta(days=1 + rng.randrange(40))
    leaver = number == 9
    born = (dt.date(2005, 1, 1) if leaver else dt.date(2009, 1, 1)) + dt.timedelta(
        days=rng.randrange(3 * 365 if leaver else 16 * 365))
    row: dict[str, object] = {
        "Child Unique ID": f"{ANNEX_A_PREFIX}{i:06d}",
        "Gender": rng.choice(["a) Male", "b) Female"]),
        "Ethnicity": "a) WBRI" if rng.random() < 0.7 else "b) WIRI",
        "Date of Birth": born, "Age of Child (Years)": (dt.date(2026, 3, 31) - born).days // 365,
        DISABILITY: "b) No",
    }
    if worker is not None:
        row["Allocated Worker"], row["Allocated Team"] = worker
    if number == 2:
        row.update({"Assessment start date": day, "Assessment completion date": later,
                    "Organisation completing assessment": "Early Help"})
    elif number == 3:
        row.update({"Date of referral": day, "Referral Source": "e) 5A: Police",
                    "Referral NFA?": "b) No",
                    "Number of Referrals in Last 12 Months": rng.randrange(3)})
    elif number == 4:
        row.update({"Continuous Assessment Start Date": day,
                    "Child Seen During Continuous Assessment": "a) Yes",
                    "Continuous Assessment Date of Authorisation": later,
                    "Was the child assessed as requiring LA children’s social care support":
                        "a) Yes"})
    elif number == 5:
        row.update({"Strategy discussion initiating Section 47 Enquiry Start Date": day,
                    "Was an Initial Child Protection Conference deemed unnecessary?": "b) No",
                    "Date of Initial Child Protection Conference": later,
                    "Did the Initial Child Protection Conference Result in a Child Protection "
                    "Plan": "a) Yes",
                    "Number of Section 47 Enquiries in the last 12 months": 0,
                    "Number of ICPCs in the last 12 months": 0})
    elif number == 6:
        row.update({"CIN Start Date": day, "Primary Need Code": "N1 - Abuse or neglect",
                    "Date Child Was Last Seen": later, "Case status": "c) Child in need plan"})
    elif number == 7:
        row.update({"Child Protection Plan Start Date": day,
                    "Initial Category of Abuse": "a) Neglect",
                    "Latest Category of Abuse": "a) Neglect",
                    "Date of the Last Statutory Visit": later,
                    "Was the Child Seen Alone?": "a) Yes",
                    "Date of latest review conference": later,
                    "Subject to Emergency Protection Order or Protected Under Police Powers in "
                    "Last Six Months (Y/N)": "b) No",
                    "Number of Previous Child Protection Plans": rng.randrange(2)})
    elif number == 8:
        row.update({"Date Started to be Looked After": day,
                    "Child's Category of Need": "N1 - Abuse or neglect",
                    "Start date of current legal status": day,
                    "Child's Legal Status": "b) C2: FCO",
                    "Date of Latest Statutory Review": later,
                    "Date of Last Social Work Visit": later,
                    "Date of Last IRO Visit / Contact to the Child": later,
                    "Number of Placements in the Last 12 months": 1,
                    "Start Date of Most Recent Placement": day,
                    "Placement Type": "c) U3: Foster placement - relative - other",
                    "Placement Provider": "b) PR1: Own provision",
                    "Placement Location": "a) In"})
    else:
        row.update({"Eligibility Category": "b) Former relevant child", "LA In Touch ": "a) Yes",
                    "Type of Accommodation": "B: Parents/relatives",
                    "Suitability of Accommodation": "a) Suitable",
                    "Activity Status": "F1: Full time in higher education"})
    return row


def annex_a_workbook(rows: int, rng: random.Random) -> bytes:
    """An Annex A workbook of `rows` children, one list row each, spread evenly over Lists
    2 to 9, with a title row above each list's headers as in Ofsted's template."""
    from openpyxl import Workbook

    workers = _workers_by_kind()
    anyone = [w for ws in workers.values() for w in ws]
    lists: dict[int, list[list[object]]] = {n: [] for n in ANNEX_A_LISTS}
    numbers = sorted(ANNEX_A_LISTS)
    for i in range(1, rows + 1):
        number = numbers[(i - 1) % len(numbers)]
        header = ANNEX_A_LISTS[number][1]
        worker = None
        if "Allocated Worker" in header:
            pool = workers.get(LIST_KIND[number]) or anyone
            worker = pool[i % len(pool)]
        values = _list_row(number, i, rng, worker)
        lists[number].append([values.get(h) for h in header])
    book = Workbook(write_only=True)
    front = book.create_sheet("Front_Sheet")
    front.append(["Annex A - Child level data"])
    front.append(["Lists 1 - 11"])
    for number, (title, header) in ANNEX_A_LISTS.items():
        ws = book.create_sheet(f"List_{number}")
        ws.append([f"List {number}: {title}"])
        ws.append(header)
        for values in lists[number]:
            ws.append(values)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _csv(header: Sequence[str], rows: list[list[object]]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue().encode()


def ssda903_pair(rows: int, rng: random.Random) -> list[Any]:
    """The 903 Header and Episodes files of `rows` children in care: a third with one open
    episode, a third who moved placement (two episodes, the first ending X1), a third whose
    period of care ended (E4A: returned home)."""
    from auditloop.common.spreadsheets import UploadedFile

    def day(on: dt.date) -> str:
        return on.strftime("%d/%m/%Y")

    header: list[list[object]] = []
    episodes: list[list[object]] = []
    for i in range(1, rows + 1):
        child = f"{SSDA903_PREFIX}{i:06d}"
        born = dt.date(2008, 1, 1) + dt.timedelta(days=rng.randrange(17 * 365))
        header.append([child, rng.choice(["1", "2"]), day(born), rng.choice(ETHNICITIES),
                       "", "", ""])
        start = dt.date(2024, 4, 1) + dt.timedelta(days=rng.randrange(600))
        place = rng.choice(["U4", "U5", "U6", "K2", "R1"])
        pattern = i % 3
        first_end = start + dt.timedelta(days=30 + rng.randrange(200)) if pattern else None
        episodes.append([child, day(start), "S", "C2", "N1", place, "PR1",
                         day(first_end) if first_end else "",
                         {0: "", 1: "X1", 2: "E4A"}[pattern], "", "AB1 2CD", "AB3 4EF",
                         "SC123456"])
        if pattern == 1 and first_end is not None:
            episodes.append([child, day(first_end), "P", "C2", "N1",
                             rng.choice(["U4", "U5", "U6"]), "PR2", "", "", "CARPL",
                             "AB1 2CD", "AB5 6GH", "SC654321"])
    return [UploadedFile(HEADER_FILE, _csv(HEADER_COLUMNS, header)),
            UploadedFile(EPISODES_FILE, _csv(EPISODE_COLUMNS, episodes))]


# ---------------------------------------------------------------- the import and the floors


def _uploads(files: Files | bytes) -> list[Any]:
    from auditloop.common.spreadsheets import UploadedFile

    if isinstance(files, bytes):  # an Annex A workbook on its own
        return [UploadedFile(ANNEX_A_FILE, files)]
    return [f if isinstance(f, UploadedFile) else UploadedFile(f[0], f[1]) for f in files]


def run_job(format: str, files: Files | bytes) -> tuple[float, Any]:
    """Import the files as `auditloop import <format>` does; (seconds, the finished job).
    Raises if the job did not succeed outright."""
    from auditloop.cases import services

    uploads = _uploads(files)
    started = time.perf_counter()
    job = services.import_job_create(format=format, files=uploads, created_by=None,
                                     accept_valid_rows=False, complete_snapshot=False,
                                     encoding="utf-8", run_in_background=False)
    job = services.import_job_run(job=job)
    seconds = time.perf_counter() - started
    if job.status != "succeeded":
        raise RuntimeError(f"The {format} import did not succeed ({job.status}): "
                           f"{job.summary} {job.problems[:5]}")
    return seconds, job


def run(format: str, files: Files | bytes) -> float:
    """Seconds to import the files as `auditloop import <format>` does."""
    return run_job(format, files)[0]


def read_floor_xlsx(data: bytes) -> float:
    """Seconds merely to read the workbook as the import's reader does (common.spreadsheets.
    read_xlsx: openpyxl, read-only, formulas not evaluated): every cell of every sheet."""
    from openpyxl import load_workbook

    started = time.perf_counter()
    book = load_workbook(io.BytesIO(data), read_only=True, data_only=False)
    cells = 0
    try:
        for ws in book.worksheets:
            if not hasattr(ws, "iter_rows"):
                continue
            ws.reset_dimensions()
            for row in ws.iter_rows():
                for cell in row:
                    cell.value  # noqa: B018 - the read is what is measured
                    cells += 1
    finally:
        book.close()
    seconds = time.perf_counter() - started
    if not cells:
        raise RuntimeError("The workbook has no cells.")
    return seconds


def csv_floor(files: Files) -> float:
    """Seconds to load every file's rows into a plain table of text columns of its own by
    the database's own bulk load (COPY on PostgreSQL, executemany on SQLite)."""
    from django.db import connection, transaction

    uploads = _uploads(files)
    tables = []
    for n, upload in enumerate(uploads):
        width = len(next(csv.reader(io.StringIO(upload.content.decode()))))
        tables.append((f"bench_returns_floor_{n}", width, upload.content))
    with transaction.atomic(), connection.cursor() as cursor:
        for name, width, _ in tables:
            cursor.execute(f"DROP TABLE IF EXISTS {name}")
            columns = ", ".join(f"c{i} text" for i in range(width))
            cursor.execute(f"CREATE TABLE {name} ({columns})")
    started = time.perf_counter()
    with transaction.atomic(), connection.cursor() as cursor:
        for name, width, data in tables:
            if connection.vendor == "postgresql":
                with cursor.cursor.copy(f"COPY {name} FROM STDIN "
                                        "WITH (FORMAT csv, HEADER true)") as copy:
                    copy.write(data)
            else:
                rows = list(csv.reader(io.StringIO(data.decode())))[1:]
                marks = ", ".join("?" for _ in range(width))
                cursor.cursor.executemany(f"INSERT INTO {name} VALUES ({marks})", rows)
    seconds = time.perf_counter() - started
    with transaction.atomic(), connection.cursor() as cursor:
        for name, _, _ in tables:
            cursor.execute(f"DROP TABLE {name}")
    return seconds


def remove_imported() -> None:
    """Delete the cases these benchmarks imported (their events and return rows go with
    them) and the import jobs of the files they wrote."""
    from auditloop.cases.models import Case, ImportJob

    Case.objects.filter(reference__startswith=ANNEX_A_PREFIX).delete()
    Case.objects.filter(reference__startswith=SSDA903_PREFIX).delete()
    jobs = ImportJob.objects.filter(created_by=None, format__in=["annex_a", "ssda903"],
                                    files__name__in=FILE_NAMES).values_list("pk", flat=True)
    ImportJob.objects.filter(pk__in=list(jobs)).delete()


def measure(rows: int, rng: random.Random) -> list[tuple[str, int, float]]:
    """(label, rows, seconds) for each format: its floor, the import new, and unchanged."""
    from django.db import connection

    remove_imported()
    out: list[tuple[str, int, float]] = []
    workbook = annex_a_workbook(rows, rng)
    out.append(("Annex A workbook, read only (openpyxl)", rows, read_floor_xlsx(workbook)))
    out.append(("Annex A workbook, new", rows, run("annex_a", workbook)))
    out.append(("Annex A workbook, the same file unchanged", rows, run("annex_a", workbook)))
    pair = ssda903_pair(rows, rng)
    what = "COPY" if connection.vendor == "postgresql" else "executemany"
    out.append((f"SSDA903 Header and Episodes, {what} into a plain table", rows,
                csv_floor(pair)))
    out.append(("SSDA903 Header and Episodes, new", rows, run("ssda903", pair)))
    out.append(("SSDA903 Header and Episodes, the same files unchanged", rows,
                run("ssda903", pair)))
    remove_imported()
    return out

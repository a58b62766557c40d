"""Indicator values entered by the performance team: one CSV file or Excel workbook, a row
per indicator, month and scope, read with the imports' own reader (common.spreadsheets) and
checked cell by cell before anything is stored.

Each row gives one month's figure of one indicator: its value (or its numerator and
denominator), the target, the England average and the statistical neighbours' average, and
where the figures come from. A key auditloop does not know yet makes a new indicator, entered
by the performance team, named as the file names it. For an indicator auditloop computes
itself, a row gives only the target and the averages: the figure is auditloop's.

Stored in one transaction. A row with a problem stops the whole file unless the person
uploading asks for the valid rows to be stored and the rest listed (as the case imports do).
A month already stored is updated in place, and only if something in it changed, so
uploading the same file twice changes nothing. Afterwards the SPC rules are run again for the
indicators the file changed (signals.detect_all), which may raise signals and propose audits.
No personal data: figures, names of indicators, services and localities, and sources.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.utils import timezone

from auditloop.common.errors import ImportFileError
from auditloop.common.spreadsheets import (
    CellError,
    Column,
    Problem,
    Row,
    Table,
    UploadedFile,
    as_text,
    check_upload,
    choices_from,
    find_table,
    missing_columns_message,
    normalise,
    parse_date,
    read_spreadsheet,
)
from auditloop.indicators import signals
from auditloop.indicators.models import Indicator, IndicatorValue
from auditloop.indicators.registry import Period, Scope
from auditloop.people.models import Locality, Service, User

COLUMNS = [
    Column("key", "Indicator key", ("key", "indicator id", "indicator code"), required=True),
    Column("name", "Indicator name", ("name", "indicator")),
    Column("month", "Month", ("period", "month yyyy-mm", "period start"), required=True),
    Column("value", "Value", ("figure",)),
    Column("numerator", "Numerator"),
    Column("denominator", "Denominator"),
    Column("target", "Target"),
    Column("england", "England average", ("england",)),
    Column("neighbours", "Statistical neighbours average",
           ("statistical neighbours", "statistical neighbour average", "stat neighbours",
            "sn average")),
    Column("source", "Source", ("source of the figures", "data source"), required=True),
    Column("service", "Service"),
    Column("locality", "Locality", ("district", "area")),
    Column("polarity", "Better when", ("polarity",)),
    Column("definition", "Definition", ("what is counted",)),
]
HEADER = [c.label for c in COLUMNS]
# The template's example row: made up, and about no one.
EXAMPLE = ["contacts_per_10000", "Contacts per 10,000 children", "2026-10", "312.5", "", "",
           "300", "296.1", "305.4", "ChAT, October 2026", "", "", "Lower",
           "Contacts received in the month per 10,000 children living in the council's area."]
WANTED = "a CSV file or an Excel workbook (.xlsx)"
KEY = re.compile(r"^[a-z0-9][a-z0-9_-]*$")
MONTH = re.compile(r"^(\d{4})[-/](\d{1,2})$")
POLARITIES = choices_from(
    Indicator.Polarity.choices, ("higher", "higher"), ("higher", "higher is better"),
    ("lower", "lower"), ("lower", "lower is better"), ("neither", "neither"))
# A value given beside its numerator and denominator must agree with them to this much.
AGREE_WITHIN = 0.0005
COMPUTED_FIGURES = ("value", "numerator", "denominator")


@dataclass(frozen=True)
class Number:
    value: float
    percent: bool  # written with a % sign: a proportion, divided by 100


@dataclass
class Figures:
    """One checked row: what it stores, where, and where it came from in the file."""

    row: Row
    key: str
    name: str
    definition: str
    polarity: str | None
    period: Period
    scope: Scope
    scope_label: str
    source: str
    numbers: dict[str, Number | None]
    numerator: int | None = None
    denominator: int | None = None
    proportion: bool = False  # decided once for the indicator, from every row of the file


@dataclass
class Outcome:
    """What an upload did, for its page."""

    stored: bool = False
    rows: int = 0
    duplicates: int = 0
    problems: list[Problem] = field(default_factory=list)
    indicators_created: int = 0
    indicators_changed: int = 0
    months_added: int = 0
    months_changed: int = 0
    months_unchanged: int = 0
    signals_raised: int = 0
    touched: list[Indicator] = field(default_factory=list)

    @property
    def rows_with_problems(self) -> int:
        return len({(p.file, p.table, p.row) for p in self.problems})

    @property
    def changed_anything(self) -> bool:
        return bool(self.indicators_created or self.indicators_changed or self.months_added
                    or self.months_changed)

    @property
    def message(self) -> str:
        n = self.rows_with_problems
        if self.problems and not self.stored:
            rows, them = (("1 row has a problem", "it") if n == 1
                          else (f"{n:,} rows have problems", "them"))
            return (f"Nothing was uploaded, because {rows}. Correct {them} in the file and "
                    f"upload it again, or tick “Upload the valid rows and list the rest”.")
        if self.problems and n >= self.rows:
            return "Nothing was uploaded: every row has a problem."
        if not self.changed_anything:
            done = "Uploaded. Nothing changed: every month in the file was already stored."
        else:
            done = "Uploaded."
        if self.problems:
            done = (f"Uploaded, except {n:,} {'row' if n == 1 else 'rows'} with problems, "
                    f"listed below. Correct {'it' if n == 1 else 'them'} and upload the file "
                    f"again to add {'it' if n == 1 else 'them'}.")
        return done


def problem_line(problem: Problem) -> str:
    """One problem in the imports' words: "Row 4, column “Month”: ..."."""
    if problem.row is None:
        return f"Column “{problem.column}”: {problem.reason}"
    return f"Row {problem.row}, column “{problem.column}”: {problem.reason}"


# ---------------------------------------------------------------- reading cells


def parse_number(value: Any) -> Number:
    if isinstance(value, bool):
        raise CellError(f"“{as_text(value)}” is not a number. Write a number, for example "
                        f"12.5 or 45%.")
    if isinstance(value, int | float):
        return Number(float(value), False)
    text = as_text(value).replace(",", "").replace(" ", "")
    percent = text.endswith("%")
    try:
        number = float(text.rstrip("%"))
    except ValueError:
        shown = as_text(value)
        shown = shown if len(shown) <= 40 else shown[:37] + "..."
        raise CellError(f"“{shown}” is not a number. Write a number, for example 12.5 or "
                        f"45%.") from None
    if number != number or number in (float("inf"), float("-inf")):
        raise CellError("This is not a number. Write a number, for example 12.5 or 45%.")
    return Number(number / 100 if percent else number, percent)


def parse_count(value: Any) -> int:
    number = parse_number(value)
    if number.percent or not number.value.is_integer() or number.value < 0:
        raise CellError(f"“{as_text(value)}” is not a whole number of 0 or more. Write a "
                        f"count, for example 42.")
    if number.value > 2_147_483_647:
        raise CellError(f"“{as_text(value)}” is too big. Check the figure.")
    return int(number.value)


def parse_month(value: Any) -> Period:
    if isinstance(value, dt.datetime | dt.date):
        return Period.month(parse_date(value) or dt.date(1900, 1, 1))
    text = as_text(value)
    if m := MONTH.match(text):
        year, month = int(m.group(1)), int(m.group(2))
        if 1 <= month <= 12 and 2000 <= year <= 2100:
            return Period.month(dt.date(year, month, 1))
    else:
        try:
            day = parse_date(value)
        except CellError:
            day = None
        if day is not None and 2000 <= day.year <= 2100:
            return Period.month(day)
    shown = text if len(text) <= 40 else text[:37] + "..."
    raise CellError(f"“{shown}” is not a month. Write months as YYYY-MM, for example "
                    f"2026-10 for October 2026.")


def _month_label(period: Period) -> str:
    return period.start.strftime("%B %Y")


def _read(row: Row, key: str, parse: Any, *, required: bool = False) -> Any:
    """A cell through `parse`, its problem recorded on the row (None if blank or bad)."""
    value = row.raw(key)
    if value is None:
        if required:
            row.add_problem(key, "This is blank. Fill it in.")
        return None
    try:
        return parse(value)
    except CellError as exc:
        row.add_problem(key, exc.reason)
        return None


# ---------------------------------------------------------------- reading the file


def load(upload: UploadedFile) -> Table:
    """The file's table of figures; ImportFileError (nothing stored) if it has none."""
    check_upload(upload)
    tables = [t for sheet in read_spreadsheet(upload, wanted=WANTED)
              if (t := find_table(sheet, COLUMNS)) is not None]
    if not tables:
        raise ImportFileError(
            missing_columns_message(upload.stem, upload.name, COLUMNS)
            + " Download the template from this page, copy your figures into it and upload "
              "it again. Nothing was uploaded.")
    return tables[0]


class _Lookups:
    def __init__(self, keys: set[str]) -> None:
        self.indicators = {i.key: i for i in Indicator.objects.filter(key__in=keys)}
        self.services = {normalise(s.name): s for s in Service.objects.all()}
        self.localities = {normalise(loc.name): loc for loc in Locality.objects.all()}


def _scope(row: Row, lookups: _Lookups) -> tuple[Scope, str] | None:
    service = locality = None
    ok = True
    name = row.text("service", max_length=120)
    if name:
        service = lookups.services.get(normalise(name))
        if service is None:
            row.add_problem("service", f"“{name}” is not one of the council's services. Write "
                                       f"its name as the structure page shows it, or leave it "
                                       f"blank for the whole council.")
            ok = False
    name = row.text("locality", max_length=120)
    if name:
        locality = lookups.localities.get(normalise(name))
        if locality is None:
            row.add_problem("locality", f"“{name}” is not one of the council's localities. "
                                        f"Write its name as the structure page shows it, or "
                                        f"leave it blank for the whole council.")
            ok = False
    if not ok:
        return None
    label = " and ".join(x.name for x in (service, locality) if x) or "the whole council"
    return (Scope(service_id=service.pk if service else None,
                  locality_id=locality.pk if locality else None), label)


def _first_pass(table: Table, lookups: _Lookups) -> list[Figures]:
    """Each row's cells read and checked on their own."""
    out = []
    for row in table.rows:
        key = row.text("key", required=True, max_length=80)
        if key and not KEY.match(key):
            row.add_problem("key", f"“{key}” is not a key auditloop can use. Use lower-case "
                                   f"letters, numbers and underscores only, for example "
                                   f"contacts_per_10000.")
        period = _read(row, "month", parse_month, required=True)
        numbers = {k: _read(row, k, parse_number)
                   for k in ("value", "target", "england", "neighbours")}
        numerator = _read(row, "numerator", parse_count)
        denominator = _read(row, "denominator", parse_count)
        source = row.text("source", required=True, max_length=200)
        name = row.text("name", max_length=200)
        definition = row.text("definition", max_length=2000)
        polarity = row.choice("polarity", POLARITIES,
                              describe="Write Higher, Lower or Neither.") or None
        scope = _scope(row, lookups)
        if not row.ok or scope is None or period is None:
            continue
        out.append(Figures(row=row, key=key, name=name, definition=definition,
                           polarity=polarity, period=period, scope=scope[0],
                           scope_label=scope[1], source=source, numbers=numbers,
                           numerator=numerator, denominator=denominator))
    return out


def _is_proportion(key: str, rows: Sequence[Figures], lookups: _Lookups) -> bool:
    known = lookups.indicators.get(key)
    if known is not None:
        return known.is_proportion
    return any(f.denominator is not None or any(
        n is not None and n.percent for n in f.numbers.values()) for f in rows)


def _check_kind(figures: Figures, proportion: bool) -> None:
    """Figures written as the indicator's kind needs: proportions as 45% or 0.45."""
    row = figures.row
    for key, number in figures.numbers.items():
        if number is None:
            continue
        if number.percent and not proportion:
            row.add_problem(key, "This indicator is not a proportion. Write the figure "
                                 "without a % sign.")
        elif proportion and not 0 <= number.value <= 1:
            row.add_problem(key, f"“{as_text(row.raw(key))}” is not a proportion. Write it as "
                                 f"a percentage (45%) or a fraction between 0 and 1 (0.45).")


def _check(figures: Figures, proportion: bool, known: Indicator | None,
           names: dict[str, str]) -> None:
    """The checks that need the indicator: its kind, whether auditloop computes it."""
    row = figures.row
    _check_kind(figures, proportion)
    if known is not None and known.source == Indicator.Source.COMPUTED:
        for key in COMPUTED_FIGURES:
            if row.raw(key) is not None:
                row.add_problem(key, f"auditloop computes “{known.name}” from the returns: "
                                     f"leave the value, numerator and denominator blank and "
                                     f"give only the target and the averages.")
        if figures.numbers["target"] is None and figures.numbers["england"] is None and (
                figures.numbers["neighbours"] is None):
            row.add_problem("target", f"auditloop computes “{known.name}” from the returns, "
                                      f"so a row for it gives the target, the England average "
                                      f"or the statistical neighbours average. Fill in at "
                                      f"least one, or remove the row.")
        return
    if known is None and not figures.name and figures.key not in names:
        row.add_problem("name", f"auditloop does not know the indicator “{figures.key}” yet. "
                                f"Give its name, and it will be added.")
    numerator, denominator = figures.numerator, figures.denominator
    if (numerator is None) != (denominator is None):
        missing = "denominator" if denominator is None else "numerator"
        row.add_problem(missing, "Give both the numerator and the denominator, or neither.")
        return
    if numerator is not None and denominator is not None:
        if not proportion:
            row.add_problem("denominator", "This indicator is not a proportion, so it has no "
                                           "numerator or denominator. Leave them blank and "
                                           "give the value.")
            return
        if denominator == 0 and numerator:
            row.add_problem("denominator", "The denominator is 0 but the numerator is not. "
                                           "Check both figures.")
            return
        if numerator > denominator:
            row.add_problem("numerator", "The numerator is more than the denominator. Check "
                                         "both figures.")
            return
    value = figures.numbers["value"]
    if value is None and (numerator is None or not denominator):
        row.add_problem("value", "This is blank. Fill it in, or give the numerator and the "
                                 "denominator.")
    if (value is not None and numerator is not None and denominator
            and abs(value.value - numerator / denominator) > AGREE_WITHIN):
        row.add_problem("value", f"The value is not the numerator divided by the denominator "
                                 f"({numerator} of {denominator} is "
                                 f"{numerator / denominator:.1%}). Correct one of them, or "
                                 f"leave the value blank.")


def _checked(table: Table, lookups: _Lookups) -> list[Figures]:
    read = _first_pass(table, lookups)
    by_key: dict[str, list[Figures]] = {}
    for f in read:
        by_key.setdefault(f.key, []).append(f)
    names = {f.key: f.name for f in read if f.name}
    seen: dict[tuple[str, dt.date, int | None, int | None], Figures] = {}
    out = []
    for f in read:
        known = lookups.indicators.get(f.key)
        f.proportion = _is_proportion(f.key, by_key[f.key], lookups)
        _check(f, f.proportion, known, names)
        where = (f.key, f.period.start, f.scope.service_id, f.scope.locality_id)
        earlier = seen.get(where)
        if earlier is not None:
            f.row.add_problem("month", f"Row {earlier.row.number} gives this indicator's "
                                       f"figures for {_month_label(f.period)} "
                                       f"({f.scope_label}) too. Keep one of the two rows.")
        if f.row.ok:
            seen[where] = f
            out.append(f)
    return out


# ---------------------------------------------------------------- storing


def _number(f: Figures, key: str) -> float | None:
    number = f.numbers[key]
    return number.value if number is not None else None


def _stored_fields(f: Figures, indicator: Indicator) -> dict[str, Any]:
    benchmarks = {"target": _number(f, "target"), "england_average": _number(f, "england"),
                  "statistical_neighbours_average": _number(f, "neighbours")}
    if indicator.source == Indicator.Source.COMPUTED:
        return benchmarks
    value = _number(f, "value")
    if value is None and f.numerator is not None and f.denominator:
        value = f.numerator / f.denominator
    return {"period_end": f.period.end, "numerator": f.numerator,
            "denominator": f.denominator, "value": value, "source": f.source, **benchmarks}


def _indicator_for(f: Figures, lookups: _Lookups, proportion: bool, outcome: Outcome
                   ) -> Indicator:
    indicator = lookups.indicators.get(f.key)
    if indicator is None:
        indicator = Indicator.objects.create(
            key=f.key, name=f.name, source=Indicator.Source.ENTERED,
            kind=Indicator.Kind.PROPORTION if proportion else Indicator.Kind.RATE,
            polarity=f.polarity or Indicator.Polarity.NEITHER,
            definition=f.definition or f"Entered by the performance team from {f.source}.",
            source_fields=[f.source])
        lookups.indicators[f.key] = indicator
        outcome.indicators_created += 1
        return indicator
    if indicator.source == Indicator.Source.ENTERED:
        wanted = {"name": f.name or indicator.name,
                  "definition": f.definition or indicator.definition,
                  "polarity": f.polarity or indicator.polarity}
        if any(getattr(indicator, k) != v for k, v in wanted.items()):
            for k, v in wanted.items():
                setattr(indicator, k, v)
            indicator.save()
            outcome.indicators_changed += 1
    return indicator


def _store(rows: Sequence[Figures], lookups: _Lookups, user: User | None,
           outcome: Outcome) -> None:
    now = timezone.now()
    by_key: dict[str, list[Figures]] = {}
    for f in rows:
        by_key.setdefault(f.key, []).append(f)
    touched: dict[int, Indicator] = {}
    for group in by_key.values():
        for f in group:
            indicator = _indicator_for(f, lookups, f.proportion, outcome)
            wanted = _stored_fields(f, indicator)
            stored = f.scope.values(IndicatorValue.objects.filter(
                indicator=indicator, period_start=f.period.start)).first()
            if stored is None:
                defaults = ({"period_end": f.period.end, "source": "Computed by auditloop"}
                            if indicator.source == Indicator.Source.COMPUTED else {})
                IndicatorValue.objects.create(
                    indicator=indicator, period_start=f.period.start, **f.scope.fields(),
                    computed_at=now, entered_by=user, **{**defaults, **wanted})
                outcome.months_added += 1
            elif any(getattr(stored, k) != v for k, v in wanted.items()):
                for k, v in wanted.items():
                    setattr(stored, k, v)
                stored.computed_at, stored.entered_by = now, user
                stored.save(update_fields=[*wanted, "computed_at", "entered_by"])
                outcome.months_changed += 1
            else:
                outcome.months_unchanged += 1
                continue
            touched[indicator.pk] = indicator
    outcome.touched = list(touched.values())


def upload_values(upload: UploadedFile, *, user: User | None,
                  accept_valid_rows: bool = False) -> Outcome:
    """Read, check and store one file of indicator values (see the module's docstring).

    ImportFileError if the file cannot be read at all; otherwise an Outcome listing every
    row's problems. Runs the SPC rules again for the indicators whose figures changed.
    """
    table = load(upload)
    outcome = Outcome(rows=len(table.rows), duplicates=table.duplicates)
    if not table.rows:
        raise ImportFileError(f"There are no rows of figures in {upload.name}, only its "
                              f"header. Add a row for each indicator and month and upload it "
                              f"again. Nothing was uploaded.")
    keys = {as_text(r.raw("key")) for r in table.rows}
    with transaction.atomic():
        lookups = _Lookups(keys)
        rows = _checked(table, lookups)
        outcome.problems = [p for r in table.rows for p in r.problems]
        if outcome.problems and not accept_valid_rows:
            return outcome
        _store(rows, lookups, user, outcome)
        outcome.stored = True
    if outcome.touched:
        scopes = _scopes_of(rows, outcome.touched)
        outcome.signals_raised = len(signals.detect_all(outcome.touched, scopes))
    return outcome


def _scopes_of(rows: Sequence[Figures], touched: Sequence[Indicator]) -> list[Scope]:
    keys = {i.key for i in touched}
    found: list[Scope] = []
    for f in rows:
        if f.key in keys and f.scope not in found:
            found.append(f.scope)
    return found


def template_rows() -> list[list[str]]:
    """The template's header and its one example row."""
    return [HEADER, EXAMPLE]

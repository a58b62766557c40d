"""`auditloop spc xmr|p`: the reports' SPC calculation on a series of your own, for analysts
who check our charts against their tools. Reads CSV on standard input, writes CSV."""

from __future__ import annotations

import csv
import sys
from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from auditloop.common.statistics import SHORT_SERIES, Chart, Direction, p_chart, xmr

HEADERS = {"xmr": ["period", "value"], "p": ["period", "numerator", "denominator"]}


def _number(text: str, line: int, column: str, whole: bool) -> float:
    try:
        return int(text) if whole else float(text)
    except ValueError:
        kind = "a whole number" if whole else "a number"
        raise CommandError(f"Line {line}: {column} must be {kind}, not {text!r}.") from None


def _read(kind: str, stream: Any) -> list[tuple[Any, ...]]:
    rows = list(csv.reader(stream))
    if not rows:
        raise CommandError(f"No input: give CSV on standard input with the header "
                           f"{','.join(HEADERS[kind])}.")
    header = [h.strip().lower() for h in rows[0]]
    if header != HEADERS[kind]:
        raise CommandError(f"The first line must be {','.join(HEADERS[kind])}, "
                           f"not {','.join(rows[0])}.")
    out: list[tuple[Any, ...]] = []
    for line, row in enumerate(rows[1:], start=2):
        if not any(cell.strip() for cell in row):
            continue
        if len(row) != len(header):
            raise CommandError(f"Line {line}: expected {len(header)} values, found {len(row)}.")
        period = row[0].strip()
        if kind == "xmr":
            out.append((period, _number(row[1].strip(), line, "value", whole=False)))
        else:
            k = int(_number(row[1].strip(), line, "numerator", whole=True))
            n = int(_number(row[2].strip(), line, "denominator", whole=True))
            if n < 0 or k < 0 or k > n:
                raise CommandError(f"Line {line}: the numerator must be between 0 and the "
                                   f"denominator, not {k} of {n}.")
            out.append((period, k, n))
    return out


def _cell(x: float | None) -> str:
    return "" if x is None else f"{x:.6g}"


def write(chart: Chart, stream: Any) -> None:
    writer = csv.writer(stream, lineterminator="\n")
    extra = ["numerator", "denominator"] if chart.kind == "p" else []
    writer.writerow(["period", *extra, "value", "centre", "lower", "upper", "rules",
                     "variation", "short_series"])
    for p in chart.points:
        counts = [str(p.numerator), str(p.denominator)] if chart.kind == "p" else []
        writer.writerow([
            p.period, *counts, _cell(p.value), _cell(p.centre), _cell(p.lower), _cell(p.upper),
            ";".join(r.value for r in p.rules), p.variation.value,
            "yes" if p.short_series else "no",
        ])


class Command(BaseCommand):
    help = ("Work out SPC limits and rules for a series read as CSV on standard input: "
            "'xmr' takes period,value; 'p' takes period,numerator,denominator.")
    stealth_options = ("stdin",)  # tests pass a stream; the command line reads sys.stdin

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("kind", choices=["xmr", "p"])
        parser.add_argument("--direction", choices=[d.value for d in Direction],
                            default=Direction.INCREASE.value,
                            help="Which way is better (default: increase).")
        parser.add_argument("--rebase", action="append", default=[], metavar="PERIOD",
                            help="Work the limits out afresh from this period (repeatable).")
        parser.add_argument("--fix-after", type=int, default=None, metavar="N",
                            help="Fix the limits on the first N points (of each part).")
        parser.add_argument("--no-screen-outliers", action="store_true",
                            help="XmR only: keep every moving range when working out limits.")

    def handle(self, *args: Any, **options: Any) -> None:
        kind = options["kind"]
        series = _read(kind, options.get("stdin") or sys.stdin)
        direction = Direction(options["direction"])
        if options["fix_after"] is not None and options["fix_after"] < 1:
            raise CommandError("--fix-after must be 1 or more.")
        try:
            if kind == "xmr":
                chart = xmr(series, direction=direction, rebase=options["rebase"],
                            fix_after=options["fix_after"],
                            screen_outliers=not options["no_screen_outliers"])
            else:
                chart = p_chart(series, direction=direction, rebase=options["rebase"],
                                fix_after=options["fix_after"])
        except ValueError as e:
            raise CommandError(str(e)) from None
        write(chart, self.stdout)
        if chart.points and not chart.has_limits:
            self.stderr.write("Too few points to work out process limits.")
        elif chart.short_series:
            self.stderr.write(f"Fewer than {SHORT_SERIES} points: read the limits with care.")

"""benchmarks/returns_imports.py on the small demo council: its Annex A workbook and its
SSDA903 Header and Episodes files import cleanly as new cases, then again unchanged with
nothing written, the floors read or load every row, and nothing is left behind."""

from __future__ import annotations

import datetime as dt
import importlib
import random
import sys
from pathlib import Path

import pytest

from auditloop.cases.models import CareEpisode, Case, ImportJob

pytestmark = pytest.mark.django_db

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "benchmarks"))
returns_imports = importlib.import_module("returns_imports")  # benchmarks/returns_imports.py

ROWS = 30
NOTHING_WRITTEN = ("cases_created", "cases_updated", "cases_closed", "events_created",
                   "involvements_created", "involvements_ended", "return_rows_created",
                   "return_rows_updated")


@pytest.fixture
def council() -> None:
    from auditloop.demo.generator import generate_council

    generate_council(scale="small", seed=3, reference_date=dt.date(2026, 3, 31))


def test_the_annex_a_workbook_imports_new_then_unchanged_and_cleans_up(council) -> None:
    before = Case.objects.count()
    data = returns_imports.annex_a_workbook(ROWS, random.Random(1))

    assert returns_imports.read_floor_xlsx(data) > 0
    _, job = returns_imports.run_job("annex_a", data)
    assert job.summary["cases_created"] == ROWS
    assert not job.summary.get("warnings"), job.summary.get("warnings")
    imported = Case.objects.filter(reference__startswith=returns_imports.ANNEX_A_PREFIX)
    assert imported.count() == ROWS
    # Every list but List 2 (early help) names a worker, and each is matched to the staff.
    early_help = len(range(1, ROWS + 1, 8))  # children 1, 9, 17...
    assert imported.filter(key_worker__isnull=False).count() == ROWS - early_help
    assert set(imported.values_list("service__kind", flat=True)) == set(
        returns_imports.LIST_KIND.values())

    _, again = returns_imports.run_job("annex_a", data)
    assert not any(again.summary.get(key) for key in NOTHING_WRITTEN), again.summary
    assert returns_imports.run("annex_a", data) > 0

    returns_imports.remove_imported()
    assert Case.objects.count() == before
    assert not ImportJob.objects.filter(format="annex_a").exists()


def test_the_ssda903_pair_imports_new_then_unchanged_and_cleans_up(council) -> None:
    before = Case.objects.count()
    files = returns_imports.ssda903_pair(ROWS, random.Random(1))
    assert [f.name for f in files] == [returns_imports.HEADER_FILE, returns_imports.EPISODES_FILE]
    assert files[0].content.decode().count("\n") == ROWS + 1  # the header and a row a child

    assert returns_imports.csv_floor(files) > 0
    _, job = returns_imports.run_job("ssda903", files)
    assert job.summary["cases_created"] == ROWS
    imported = Case.objects.filter(reference__startswith=returns_imports.SSDA903_PREFIX)
    assert imported.count() == ROWS
    assert CareEpisode.objects.filter(case__in=imported).count() == ROWS + ROWS // 3
    assert imported.filter(status=Case.Status.CLOSED).count() == ROWS // 3

    _, again = returns_imports.run_job("ssda903", files)
    assert not any(again.summary.get(key) for key in NOTHING_WRITTEN), again.summary

    returns_imports.remove_imported()
    assert Case.objects.count() == before
    assert not CareEpisode.objects.filter(case__reference__startswith="BENCH903-").exists()
    assert not ImportJob.objects.filter(format="ssda903").exists()


def test_measure_gives_a_floor_a_new_and_an_unchanged_figure_for_each_format(council) -> None:
    before = Case.objects.count()
    figures = returns_imports.measure(16, random.Random(2026))
    assert [label.split(",")[0] for label, _, _ in figures] == (
        ["Annex A workbook"] * 3 + ["SSDA903 Header and Episodes"] * 3)
    assert all(rows == 16 and seconds > 0 for _, rows, seconds in figures)
    assert Case.objects.count() == before
    assert not ImportJob.objects.exists()

"""benchmarks/imports.py on the small demo council: the file it writes imports cleanly as
new cases, then again as unchanged, and the floor loads every row; nothing is left behind."""

from __future__ import annotations

import datetime as dt
import importlib
import random
import sys
from pathlib import Path

import pytest

from auditloop.cases.models import Case, ImportJob

pytestmark = pytest.mark.django_db

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "benchmarks"))
imports = importlib.import_module("imports")  # benchmarks/imports.py


def test_the_import_benchmark_imports_new_then_unchanged_and_cleans_up() -> None:
    from auditloop.demo.generator import generate_council

    generate_council(scale="small", seed=3, reference_date=dt.date(2026, 3, 31))
    before = Case.objects.count()
    data = imports.cases_csv(40, random.Random(1))
    assert data.decode().count("\n") == 41  # the header and 40 cases

    assert imports.bulk_floor(data) > 0
    _, new = imports.run_import(data)
    assert new["cases_created"] == 40
    assert Case.objects.filter(reference__startswith=imports.PREFIX, key_worker__isnull=False
                               ).count() == 40
    _, again = imports.run_import(data)
    assert again["cases_created"] == 0 and not again.get("cases_updated")

    imports.remove_imported()
    assert Case.objects.count() == before
    assert not ImportJob.objects.filter(created_by=None, format="monthly").exists()

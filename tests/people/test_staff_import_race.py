"""Two staff imports applied at the same moment (two background workers, seen in the scale-
out test): both finish, and each new job title, team and person is made once. On PostgreSQL
the two run in two threads with their own connections; on SQLite one after the other."""

from __future__ import annotations

import pytest

from auditloop.common.spreadsheets import NoProgress, UploadedFile
from auditloop.people import importers
from auditloop.people.models import JobTitle, Person, Team
from tests.cases.importing import DOCS_SAMPLES
from tests.concurrency import ON_POSTGRES, run_together

pytestmark = pytest.mark.django_db(transaction=ON_POSTGRES)


def plan() -> importers.StaffPlan:
    path = DOCS_SAMPLES / "staff.csv"
    loaded = importers.load([UploadedFile(name=path.name, content=path.read_bytes())])
    return importers.check(loaded, NoProgress())


def test_two_imports_of_a_new_staff_list_at_once_both_finish_and_make_each_thing_once():
    first, second = plan(), plan()  # both planned before either writes
    results = run_together([lambda: importers.staff_import_apply(plan=first),
                            lambda: importers.staff_import_apply(plan=second)])
    assert all(isinstance(r, dict) for r in results), results
    assert sorted(r["job_titles_created"] for r in results) == [0, 7]
    assert sorted(r["staff_created"] for r in results) == [0, 11]
    assert JobTitle.objects.count() == 7 and Team.objects.count() == 6
    assert Person.objects.count() == 11

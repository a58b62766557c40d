"""The home page's register panel counts open cases, and those with no key worker, from an
index of (status, key worker): the register's size is read from the index alone, never
from the cases themselves."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from auditloop.cases.attention import register_overview
from auditloop.cases.models import Case
from tests.factories import CaseFactory, PersonFactory

pytestmark = pytest.mark.django_db


def test_the_counts_are_what_the_qa_manager_can_see(person_with_role):  # type: ignore[no-untyped-def]
    CaseFactory(key_worker=PersonFactory())
    CaseFactory(key_worker=None)
    CaseFactory(key_worker=None, status=Case.Status.CLOSED)
    (panel,) = register_overview(person_with_role("qa_manager").user)
    assert [(i.text, i.count) for i in panel.items] == [
        ("2 open cases you can see", 2), ("1 open case with no key worker", 1)]


def test_the_counts_are_read_from_the_index_alone(person_with_role):  # type: ignore[no-untyped-def]
    with connection.cursor() as cursor:
        indexes = connection.introspection.get_constraints(cursor, Case._meta.db_table)
    columns = [c["columns"] for c in indexes.values() if c["index"]]
    assert ["status", "key_worker_id", "service_id"] in columns, columns
    if connection.vendor != "sqlite":
        return  # PostgreSQL's planner reads a table this small whole, whatever its indexes
    user = person_with_role("qa_manager").user
    with CaptureQueriesContext(connection) as queries:
        register_overview(user)
    (sql,) = [q["sql"] for q in queries.captured_queries
              if 'FROM "cases_case"' in q["sql"] and "COUNT" in q["sql"]]
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN QUERY PLAN {sql}")
        plan = " ".join(str(row[-1]) for row in cursor.fetchall())
    assert "COVERING INDEX" in plan, plan

"""The access log: every view of a case writes a row; rows cannot be changed or deleted."""

import datetime as dt
import io

import pytest
import time_machine
from django.core.management import CommandError, call_command
from django.db import DatabaseError, connection, transaction
from django.urls import reverse

from auditloop.common.models import AccessLog, AccessLogPurge
from auditloop.people.roles import Role
from tests.factories import CaseFactory, PersonFactory

pytestmark = pytest.mark.django_db


def test_viewing_a_case_writes_an_access_log_row(role_client):
    client, person = role_client(Role.QA_MANAGER)
    case = CaseFactory()
    response = client.get(reverse("cases:case_detail", args=[case.pk]), REMOTE_ADDR="10.1.2.3")
    assert response.status_code == 200
    row = AccessLog.objects.get()
    assert (row.user_id, row.object_type, row.object_id, row.action) == (
        person.user_id, "case", str(case.pk), "view")
    assert row.ip_address == "10.1.2.3"


def test_a_refused_view_writes_one_denied_row_and_no_view_row(role_client):
    client, person = role_client(Role.PRACTITIONER)
    case = CaseFactory()
    assert client.get(reverse("cases:case_detail", args=[case.pk])).status_code == 404
    row = AccessLog.objects.get()
    assert (row.user_id, row.action, row.object_type, row.object_id) == (
        person.user_id, "denied", "cases:case_detail", str(case.pk))


def _one_row(role_client) -> AccessLog:  # type: ignore[no-untyped-def]
    client, _ = role_client(Role.QA_MANAGER)
    client.get(reverse("cases:case_detail", args=[CaseFactory().pk]))
    return AccessLog.objects.get()


def test_database_refuses_to_update_a_row(role_client):
    row = _one_row(role_client)
    with pytest.raises(DatabaseError), transaction.atomic():
        AccessLog.objects.filter(pk=row.pk).update(object_id="changed")
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cur:
        cur.execute("UPDATE common_accesslog SET object_id = 'x'")
    assert AccessLog.objects.get().object_id == row.object_id


def test_database_refuses_to_delete_a_row(role_client):
    row = _one_row(role_client)
    with pytest.raises(DatabaseError), transaction.atomic():
        AccessLog.objects.filter(pk=row.pk).delete()
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cur:
        cur.execute("DELETE FROM common_accesslog")
    assert AccessLog.objects.count() == 1


def test_insert_or_replace_cannot_rewrite_a_row(role_client):
    # SQLite's REPLACE deletes the old row without firing delete triggers: an insert trigger
    # refuses an id that exists. PostgreSQL's upsert fires the update trigger.
    row = _one_row(role_client)
    columns = "id, at, user_id, action, object_type, object_id, path, request_id, reason"
    values = "%s, %s, %s, 'view', 'case', 'rewritten', '', '', ''"
    if connection.vendor == "sqlite":
        sql = f"INSERT OR REPLACE INTO common_accesslog ({columns}) VALUES ({values})"
    else:
        sql = (f"INSERT INTO common_accesslog ({columns}) VALUES ({values}) "
               f"ON CONFLICT (id) DO UPDATE SET object_id = EXCLUDED.object_id")
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cur:
        cur.execute(sql, [row.pk, row.at, row.user_id])
    assert list(AccessLog.objects.values_list("pk", "object_id")) == [(row.pk, row.object_id)]


def _row_at(when: dt.datetime, user_id: int, object_id: str) -> AccessLog:
    with time_machine.travel(when, tick=False):
        return AccessLog.objects.create(user_id=user_id, object_type="case", object_id=object_id)


def _triggers() -> set[str]:
    with connection.cursor() as cur:
        if connection.vendor == "sqlite":
            cur.execute("SELECT name FROM sqlite_master WHERE type = 'trigger' "
                        "AND tbl_name = 'common_accesslog'")
        else:
            cur.execute("SELECT tgname || ':' || tgenabled::text FROM pg_trigger "
                        "WHERE tgrelid = 'common_accesslog'::regclass AND NOT tgisinternal")
        return {name for (name,) in cur.fetchall()}


def test_purge_removes_only_the_rows_before_the_date_and_records_the_purge():
    user = PersonFactory().user
    old = [_row_at(dt.datetime(2020, 3, day, 12, tzinfo=dt.UTC), user.pk, f"old{day}")
           for day in (1, 2)]
    # The day starts in UK time (British Summer Time on 1 April 2020: UTC+1).
    last = _row_at(dt.datetime(2020, 3, 31, 22, 30, tzinfo=dt.UTC), user.pk, "last")
    kept = _row_at(dt.datetime(2020, 3, 31, 23, 30, tzinfo=dt.UTC), user.pk, "kept")
    new = _row_at(dt.datetime(2024, 1, 1, 9, tzinfo=dt.UTC), user.pk, "new")
    triggers = _triggers()
    assert triggers

    out = io.StringIO()
    call_command("purge_access_log", "--before", "2020-04-01", stdout=out)

    assert set(AccessLog.objects.values_list("pk", flat=True)) == {kept.pk, new.pk}
    assert not AccessLog.objects.filter(pk__in=[r.pk for r in [*old, last]]).exists()
    purge = AccessLogPurge.objects.get()
    assert (purge.before, purge.removed) == (dt.date(2020, 4, 1), 3)
    assert purge.database_user
    assert "Removed 3 access-log rows from before 2020-04-01" in out.getvalue()
    # The triggers are back, enabled, and refuse changes again.
    assert _triggers() == triggers
    with pytest.raises(DatabaseError), transaction.atomic():
        AccessLog.objects.filter(pk=kept.pk).delete()
    with pytest.raises(DatabaseError), transaction.atomic():
        AccessLogPurge.objects.filter(pk=purge.pk).update(removed=0)
    with pytest.raises(DatabaseError), transaction.atomic():
        AccessLogPurge.objects.all().delete()


def test_purge_refuses_a_date_in_the_future_or_not_a_date():
    user = PersonFactory().user
    AccessLog.objects.create(user=user, object_type="case", object_id="1")
    future = (dt.date.today() + dt.timedelta(days=2)).isoformat()
    with pytest.raises(CommandError, match="in the future"):
        call_command("purge_access_log", "--before", future)
    with pytest.raises(CommandError, match="YYYY-MM-DD"):
        call_command("purge_access_log", "--before", "1 April 2020")
    assert AccessLog.objects.count() == 1
    assert not AccessLogPurge.objects.exists()

"""The access log: every view of a case writes a row; rows cannot be changed or deleted."""

import pytest
from django.db import DatabaseError, connection, transaction
from django.urls import reverse

from auditloop.common.models import AccessLog
from auditloop.people.roles import Role
from tests.factories import CaseFactory

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

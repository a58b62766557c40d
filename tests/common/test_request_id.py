"""Every access is attributable: the access-log row carries the request id the response and
the server log carry, the time in UTC, and the visitor's address as the configured number
of trusted proxies report it (never an address the visitor could make up)."""

import datetime as dt
import logging

import pytest
from django.test import RequestFactory, override_settings
from django.urls import reverse

from auditloop.common.access import client_ip
from auditloop.common.models import AccessLog
from auditloop.people.roles import Role
from tests.factories import CaseFactory

pytestmark = pytest.mark.django_db


def test_the_access_log_row_the_response_and_the_log_share_one_request_id(role_client,
                                                                          caplog):
    client, _ = role_client(Role.QA_MANAGER)
    case = CaseFactory()
    with caplog.at_level(logging.INFO, logger="auditloop.access"):
        response = client.get(reverse("cases:case_detail", args=[case.pk]))
    row = AccessLog.objects.get(object_type="case", action="view")
    assert len(row.request_id) == 32 and response["X-Request-ID"] == row.request_id
    assert row.request_id in {getattr(r, "request_id", "") for r in caplog.records}
    assert row.at.utcoffset() == dt.timedelta(0)


def test_a_proxys_well_formed_request_id_is_kept_and_a_made_up_one_is_not(role_client):
    client, _ = role_client(Role.QA_MANAGER)
    case = CaseFactory()
    url = reverse("cases:case_detail", args=[case.pk])
    kept = client.get(url, HTTP_X_REQUEST_ID="0f1e2d3c4b5a69788796a5b4c3d2e1f0")
    assert kept["X-Request-ID"] == "0f1e2d3c4b5a69788796a5b4c3d2e1f0"
    replaced = client.get(url, HTTP_X_REQUEST_ID="<script>alert(1)</script>")
    assert replaced["X-Request-ID"] != "<script>alert(1)</script>"
    assert set(AccessLog.objects.filter(object_type="case").values_list(
        "request_id", flat=True)) == {kept["X-Request-ID"], replaced["X-Request-ID"]}


@pytest.mark.parametrize(("proxies", "forwarded", "expected"), [
    (0, "203.0.113.9", "10.0.0.2"),  # no proxy configured: the header is ignored
    (1, "203.0.113.9", "203.0.113.9"),  # one proxy: the address it added
    (1, "198.51.100.66, 203.0.113.9", "203.0.113.9"),  # the visitor's own claim ignored
    (2, "198.51.100.66, 203.0.113.9, 10.0.0.1", "203.0.113.9"),
    (2, "203.0.113.9", "10.0.0.2"),  # fewer hops than proxies: not trusted
])
def test_the_client_address_honours_the_trusted_proxies(proxies, forwarded, expected):
    request = RequestFactory().get("/", REMOTE_ADDR="10.0.0.2",
                                   HTTP_X_FORWARDED_FOR=forwarded)
    with override_settings(ALLAUTH_TRUSTED_PROXY_COUNT=proxies):
        assert client_ip(request) == expected

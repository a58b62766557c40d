"""The server log: JSON lines (time in UTC, level, logger, message, request id) when
LOG_FORMAT=json, the production default; and one access line per request that names the
page, never the query string or the person."""

import datetime as dt
import json
import logging
import os
import subprocess
import sys

import pytest
from cryptography.fernet import Fernet
from django.test import Client
from django.urls import reverse

from auditloop.common.logging import JsonFormatter
from tests.factories import CaseFactory, PersonFactory

pytestmark = pytest.mark.django_db


def _record(msg: str = "hello %s", args: tuple = ("world",), **extra) -> logging.LogRecord:
    record = logging.LogRecord("auditloop.test", logging.WARNING, __file__, 1, msg, args, None)
    record.__dict__.update(extra)
    return record


def test_a_json_line_has_time_in_utc_level_logger_message_and_request_id():
    record = _record(request_id="abc123def456")
    record.created = dt.datetime(2026, 6, 1, 9, 30, 5, 250000, tzinfo=dt.UTC).timestamp()
    line = json.loads(JsonFormatter().format(record))
    assert line == {"time": "2026-06-01T09:30:05.250Z", "level": "WARNING",
                    "logger": "auditloop.test", "message": "hello world",
                    "request_id": "abc123def456"}


def test_a_json_line_carries_extra_fields_and_the_exception_on_one_line():
    try:
        raise ValueError("boom")
    except ValueError:
        record = _record(request_id="", route="cases:case_list", status=200)
        record.exc_info = sys.exc_info()
    text = JsonFormatter().format(record)
    assert "\n" not in text
    line = json.loads(text)
    assert line["route"] == "cases:case_list" and line["status"] == 200
    assert "ValueError: boom" in line["exception"]


def _access_lines(caplog) -> list[logging.LogRecord]:
    return [r for r in caplog.records if r.name == "auditloop.access"]


def test_one_access_line_per_request_names_the_page_and_the_user_id_only(
        client_for, caplog):
    person = PersonFactory(roles=["qa_manager"])
    case = CaseFactory()
    client = client_for(person)
    caplog.set_level(logging.INFO, logger="auditloop.access")
    response = client.get(reverse("cases:case_detail", args=[case.pk]) + "?page=2&q=secret")
    assert response.status_code == 200
    (line,) = _access_lines(caplog)
    assert line.method == "GET"
    assert line.route == "cases:case_detail"
    assert line.status == 200
    assert line.user_id == person.user.pk
    assert isinstance(line.duration_ms, float) and line.duration_ms >= 0
    assert line.request_id == response["X-Request-ID"]
    text = line.getMessage()
    assert "secret" not in text and "page=2" not in text
    assert person.user.username not in text and case.reference not in text


def test_an_address_that_matches_no_page_is_logged_by_path_without_its_query_string(
        client_for, caplog):
    client = client_for(PersonFactory(roles=["qa_manager"]))
    caplog.set_level(logging.INFO, logger="auditloop.access")
    assert client.get("/no-such-page/?name=someone").status_code == 404
    (line,) = _access_lines(caplog)
    assert line.route == "/no-such-page/" and line.status == 404


def test_signed_out_requests_and_health_checks_have_no_user_and_load_no_session(
        caplog, django_assert_num_queries):
    caplog.set_level(logging.INFO, logger="auditloop.access")
    client = Client()
    assert client.get(reverse("cases:case_list")).status_code == 302
    with django_assert_num_queries(0):
        assert client.get(reverse("healthz")).status_code == 200
    first, second = _access_lines(caplog)
    assert first.user_id is None and first.status == 302
    assert second.route == "healthz" and second.user_id is None


@pytest.mark.parametrize("env, expected", [("production", "json"), ("demo", "plain")])
def test_production_logs_json_by_default_and_the_demo_plain_text(tmp_path, env, expected):
    keep = {"PATH", "HOME", "LANG", "TMPDIR"}
    environ = {k: v for k, v in os.environ.items() if k in keep}
    environ.update({"AUDITLOOP_ENV": env, "SECRET_KEY": "x" * 50,
                    "MFA_ENCRYPTION_KEYS": Fernet.generate_key().decode(),
                    "AUDITLOOP_VAR_DIR": str(tmp_path),
                    "DJANGO_SETTINGS_MODULE": "auditloop.settings"})
    code = ("import django; django.setup(); from django.conf import settings; "
            "print(settings.LOG_FORMAT, settings.LOGGING['handlers']['console']['formatter'])")
    result = subprocess.run([sys.executable, "-c", code], env=environ, capture_output=True,
                            text=True, timeout=120, check=False)
    assert result.stdout.split() == [expected, expected], result.stderr

"""The production server as docs/operators-guide.md runs it: gunicorn with the production
settings, on a database migrated first and with the static files collected. It answers
/healthz and /readyz, sends strangers to sign in, serves the collected stylesheet, and writes
its log as JSON lines."""

from __future__ import annotations

import json
import os
import secrets
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from cryptography.fernet import Fernet

BIN = Path(sys.executable).parent
ROOT = Path(__file__).resolve().parents[2]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        return None


def _get(url: str, **headers: str) -> tuple[int, dict[str, str], bytes]:
    opener = urllib.request.build_opener(_NoRedirect)
    try:
        with opener.open(urllib.request.Request(url, headers=headers), timeout=10) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read()


@pytest.fixture(scope="module")
def production_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:
    tmp = tmp_path_factory.mktemp("production")
    keep = {"PATH", "HOME", "LANG", "LC_ALL", "TMPDIR"}
    env = {k: v for k, v in os.environ.items() if k in keep}
    env.update({
        "AUDITLOOP_ENV": "production",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "ALLOWED_HOSTS": "127.0.0.1",
        "SECURE_SSL_REDIRECT": "0",  # no TLS proxy in front of it here
        "DATABASE_URL": f"sqlite:///{tmp / 'production.sqlite3'}",
        "AUDITLOOP_VAR_DIR": str(tmp),
        "MFA_ENCRYPTION_KEYS": Fernet.generate_key().decode(),
    })
    for command in (["migrate", "--no-input", "-v0"], ["collectstatic", "--no-input", "-v0"]):
        subprocess.run([str(BIN / "auditloop"), *command], env=env, cwd=ROOT, check=True,
                       capture_output=True, text=True, timeout=300)
    port = _free_port()
    log_path = tmp / "gunicorn.log"
    with open(log_path, "w") as log:
        server = subprocess.Popen(
            [str(BIN / "gunicorn"), "auditloop.wsgi", "--workers", "2", "--threads", "2",
             "--bind", f"127.0.0.1:{port}"],
            env=env, cwd=tmp, stdout=log, stderr=subprocess.STDOUT)
        url = f"http://127.0.0.1:{port}"
        try:
            for _ in range(150):
                if server.poll() is not None:
                    raise RuntimeError("gunicorn stopped: " + log_path.read_text())
                try:
                    _get(url + "/healthz")
                    break
                except OSError:
                    time.sleep(0.2)
            else:
                raise RuntimeError("gunicorn did not start: " + log_path.read_text())
            yield url, log_path
        finally:
            server.terminate()
            server.wait(timeout=30)


def test_gunicorn_serves_the_health_checks(production_server):
    url, _log = production_server
    status, headers, body = _get(url + "/healthz")
    assert (status, body) == (200, b"ok")
    assert "X-Request-ID" in headers
    status, _headers, body = _get(url + "/readyz")
    assert status == 200 and json.loads(body) == {"status": "ok"}


def test_gunicorn_sends_strangers_to_sign_in(production_server):
    url, _log = production_server
    # As nginx passes it on: the visitor came over HTTPS.
    status, headers, _body = _get(url + "/", **{"X-Forwarded-Proto": "https"})
    assert status == 302
    assert headers["Location"].startswith("/accounts/login/")
    assert "Strict-Transport-Security" in headers  # the production settings are in force


def test_gunicorn_serves_the_collected_static_files(production_server):
    url, _log = production_server
    status, headers, body = _get(url + "/static/vendor/auditloop.css")
    assert status == 200 and headers["Content-Type"].startswith("text/css") and body


def test_the_production_log_is_json_lines_with_an_access_line(production_server):
    url, log_path = production_server
    _status, headers, _body = _get(url + "/healthz")
    request_id = headers["X-Request-ID"]
    for _ in range(50):
        lines = [json.loads(line) for line in log_path.read_text().splitlines()
                 if line.startswith("{")]
        access = [r for r in lines if r.get("request_id") == request_id]
        if access:
            break
        time.sleep(0.1)
    (line,) = access
    assert line["logger"] == "auditloop.access" and line["route"] == "healthz"
    assert line["status"] == 200 and line["method"] == "GET"
    assert line["time"].endswith("Z")

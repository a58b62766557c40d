"""A local fake of GOV.UK Notify's e-mail and text message API that checks what the real one checks:
the JWT (HS256, iss = service id, recent iat) and the request body. Tests point the real
notifications-python-client at it."""

from __future__ import annotations

import json
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import jwt

SERVICE_ID = "2f0d4bc3-8f65-4f1b-9a3c-5a0d0c3b9d11"
SECRET = "6c1b8f0e-93a8-4d5c-9d7e-0b0f5d7a1e22"
API_KEY = f"auditloop_test-{SERVICE_ID}-{SECRET}"
TEMPLATE_ID = "a7b9d3e1-0c2f-4e5a-8b6d-1f2e3d4c5b6a"
SMS_TEMPLATE_ID = "c3d1e2f4-5a6b-4c7d-8e9f-0a1b2c3d4e5f"


class FakeNotify:
    def __init__(self) -> None:
        self.sent: list[dict[str, Any]] = []
        self.sent_sms: list[dict[str, Any]] = []
        self.fail_next = False
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

            def _reply(self, status: int, body: dict[str, Any]) -> None:
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def do_POST(self) -> None:  # noqa: N802 - http.server's name
                auth = self.headers.get("Authorization", "")
                try:
                    claims = jwt.decode(auth.removeprefix("Bearer "), SECRET,
                                        algorithms=["HS256"])
                    assert claims["iss"] == SERVICE_ID
                    assert abs(time.time() - claims["iat"]) < 30
                except Exception:  # noqa: BLE001
                    self._reply(403, {"status_code": 403, "errors": [
                        {"error": "AuthError", "message": "Invalid token"}]})
                    return
                if self.path not in ("/v2/notifications/email", "/v2/notifications/sms"):
                    self._reply(404, {"status_code": 404, "errors": []})
                    return
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                if fake.fail_next:
                    fake.fail_next = False
                    self._reply(500, {"status_code": 500, "errors": [
                        {"error": "Exception", "message": "Internal server error"}]})
                    return
                if self.path == "/v2/notifications/sms":
                    if body.get("template_id") != SMS_TEMPLATE_ID or not str(
                            body.get("phone_number", "")).startswith("07"):
                        self._reply(400, {"status_code": 400, "errors": [
                            {"error": "BadRequestError", "message": "Template not found"}]})
                        return
                    fake.sent_sms.append(body)
                    self._reply(201, {"id": str(uuid.uuid4()),
                                      "reference": body.get("reference"),
                                      "content": {"body": body["personalisation"]["body"]},
                                      "template": {"id": SMS_TEMPLATE_ID, "version": 1}})
                    return
                if body.get("template_id") != TEMPLATE_ID or "@" not in body.get(
                        "email_address", ""):
                    self._reply(400, {"status_code": 400, "errors": [
                        {"error": "BadRequestError", "message": "Template not found"}]})
                    return
                fake.sent.append(body)
                self._reply(201, {"id": str(uuid.uuid4()), "reference": body.get("reference"),
                                  "content": {"subject": body["personalisation"]["subject"],
                                              "body": body["personalisation"]["body"]},
                                  "template": {"id": TEMPLATE_ID, "version": 1}})

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> FakeNotify:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()

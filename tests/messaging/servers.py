"""Real peers for the messaging tests: an SMTP server (aiosmtpd) and a stand-in for a
Twilio-compatible SMS REST API (http.server), both on loopback, both recording what they got."""

from __future__ import annotations

import json
import socket
import threading
import time
import urllib.parse
from collections.abc import Callable
from dataclasses import dataclass, field
from email import message_from_bytes
from email.message import Message
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


@dataclass
class Inbox:
    messages: list[Message] = field(default_factory=list)
    refuse_domain: str = "bounce.example"
    hold: Callable[[Message], None] | None = None  # called before a message is accepted
    lock: threading.Lock = field(default_factory=threading.Lock)

    async def handle_RCPT(  # noqa: N802 - aiosmtpd's hook name
        self, server: SMTP, session: Session, envelope: Envelope, address: str, options: Any
    ) -> str:
        if address.endswith("@" + self.refuse_domain):
            return "550 5.1.1 no such user here"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(  # noqa: N802
        self, server: SMTP, session: Session, envelope: Envelope
    ) -> str:
        msg = message_from_bytes(envelope.content or b"")
        if self.hold is not None:
            self.hold(msg)
        with self.lock:
            self.messages.append(msg)
        return "250 Message accepted"

    def ids(self) -> list[str]:
        with self.lock:
            return [str(m["Message-ID"]) for m in self.messages]

    def wait_for(self, n: int, timeout: float = 30.0) -> list[Message]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self.lock:
                if len(self.messages) >= n:
                    return list(self.messages)
            time.sleep(0.02)
        raise AssertionError(f"expected {n} messages, got {len(self.messages)}")


class SmtpServer:
    def __init__(self) -> None:
        self.inbox = Inbox()
        self.port = free_port()
        self.controller: Controller | None = None

    @property
    def url(self) -> str:
        return f"smtp://127.0.0.1:{self.port}"

    def start(self) -> SmtpServer:
        self.controller = Controller(self.inbox, hostname="127.0.0.1", port=self.port)
        self.controller.start()
        return self

    def stop(self) -> None:
        if self.controller is not None:
            self.controller.stop()
            self.controller = None


@dataclass
class SmsApi:
    """POST /2010-04-01/Accounts/AC1/Messages.json with To, From, Body; basic auth."""

    received: list[dict[str, str]] = field(default_factory=list)
    refuse_number: str = "+15550109999"
    fail_with: int | None = None  # answer every request with this status (an outage)
    server: ThreadingHTTPServer | None = None

    @property
    def url(self) -> str:
        assert self.server is not None
        return f"http://AC1:secret@127.0.0.1:{self.server.server_port}/2010-04-01/Accounts/AC1/Messages.json"

    def start(self) -> SmsApi:
        api = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length", "0"))
                form = dict(urllib.parse.parse_qsl(self.rfile.read(length).decode()))
                form["_auth"] = self.headers.get("Authorization", "")
                form["_key"] = self.headers.get("I-Twilio-Idempotency-Token", "")
                if api.fail_with is not None:
                    self._answer(api.fail_with, {"message": "service unavailable"})
                elif form.get("To") == api.refuse_number:
                    self._answer(400, {"code": 21211, "message": "not a valid phone number"})
                else:
                    api.received.append(form)
                    self._answer(201, {"sid": f"SM{len(api.received)}", "status": "queued"})

            def _answer(self, status: int, body: dict[str, object]) -> None:
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args: object) -> None:
                return

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()

"""deploy/nginx.conf.template in a real nginx, in front of two stand-in replicas.

The stand-ins are small HTTP servers that answer with their name and record what reached them,
so each property of the configuration is checked on its own and fast: newcomers are spread,
a browser stays on its replica (uploads included), a dead replica's browsers move to the other
and stay there, the WebSocket upgrade and the X-Forwarded-* headers are passed on, bodies over
the upload limit stop at nginx, the documented security headers are sent, and the access log
holds no credential. tests/e2e/test_replicas.py runs the real dashboards behind it.
"""

from __future__ import annotations

import http.client
import json
import re
import shutil
import threading
import tomllib
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from tests.deploy import nginx

ROOT = Path(__file__).resolve().parents[2]
TEMPLATE = ROOT / "deploy" / "nginx.conf.template"


@dataclass(frozen=True)
class Seen:
    method: str
    path: str
    headers: dict[str, str]  # names lower-cased
    body_bytes: int


@dataclass
class Replica:
    """A stand-in dashboard: answers every request with its name; records what it got."""

    name: str
    port: int
    seen: list[Seen] = field(default_factory=list)
    server: ThreadingHTTPServer | None = None

    def start(self) -> Replica:
        replica = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def _answer(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                received = 0
                while received < length:  # read the body in pieces, whatever its size
                    chunk = self.rfile.read(min(1 << 20, length - received))
                    if not chunk:
                        break
                    received += len(chunk)
                headers = {k.lower(): v for k, v in self.headers.items()}
                replica.seen.append(Seen(self.command, self.path, headers, received))
                body = json.dumps({"replica": replica.name}).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            do_GET = do_PUT = do_POST = _answer  # noqa: N815 - http.server's method names

            def log_message(self, *args: object) -> None:
                return

        self.server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()
            self.server = None


@dataclass
class Proxy:
    port: int
    prefix: Path
    a: Replica
    b: Replica

    def request(
        self, method: str, path: str, *, cookie: str | None = None, body: bytes | None = None,
        headers: dict[str, str] | None = None,
    ) -> tuple[int, dict[str, str], list[str], bytes]:  # fmt: skip
        """Status, headers (last value wins), every Set-Cookie, and the body."""
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
        try:
            sent = dict(headers or {})
            if cookie is not None:
                sent["Cookie"] = f"checkins_replica={cookie}"
            conn.request(method, path, body=body, headers=sent)
            r = conn.getresponse()
            data = r.read()
            cookies = [v for k, v in r.getheaders() if k.lower() == "set-cookie"]
            return r.status, {k.lower(): v for k, v in r.getheaders()}, cookies, data
        finally:
            conn.close()

    def served_by(self, path: str = "/", *, cookie: str | None = None) -> tuple[str, list[str]]:
        status, _, cookies, data = self.request("GET", path, cookie=cookie)
        assert status == 200, (status, data)
        return str(json.loads(data)["replica"]), cookies


@pytest.fixture
def proxy() -> Iterator[Proxy]:
    nginx.require_nginx()
    port = nginx.free_port()
    a = Replica("a", nginx.free_port()).start()
    b = Replica("b", nginx.free_port()).start()
    prefix = nginx.render(nginx.make_prefix(), listen_port=port, replica_ports=(a.port, b.port))
    proc = nginx.start(prefix, port)
    try:
        yield Proxy(port, prefix, a, b)
    finally:
        nginx.stop(proc)
        a.stop()
        b.stop()
        shutil.rmtree(prefix, ignore_errors=True)


def route_cookie(set_cookies: list[str]) -> str | None:
    """The replica named by a ``checkins_replica`` Set-Cookie, if any."""
    for c in set_cookies:
        m = re.match(r"checkins_replica=([^;]*)", c)
        if m:
            return m.group(1)
    return None


def test_newcomers_are_spread_and_each_is_told_its_replica(proxy: Proxy) -> None:
    seen = []
    for _ in range(4):
        replica, cookies = proxy.served_by()
        assert route_cookie(cookies) == replica
        (cookie,) = [c for c in cookies if c.startswith("checkins_replica=")]
        assert {"Path=/", "HttpOnly", "SameSite=Lax"} <= {p.strip() for p in cookie.split(";")}
        assert "Secure" not in cookie  # plain HTTP here; over HTTPS the cookie is Secure
        seen.append(replica)
    assert sorted(seen) == ["a", "a", "b", "b"]  # round robin over both


def test_a_browser_stays_on_its_replica_for_pages_uploads_and_media(proxy: Proxy) -> None:
    first, cookies = proxy.served_by()
    pinned = route_cookie(cookies)
    assert pinned == first
    photo = bytes(range(256)) * 4096  # 1 MiB: buffered by nginx, passed on whole
    for _ in range(10):
        assert proxy.served_by("/_stcore/health", cookie=pinned) == (first, [])  # no new cookie
        status, _, cookies, data = proxy.request(
            "PUT", "/_stcore/upload_file/session-1/file-1", cookie=pinned, body=photo
        )
        assert status == 200 and json.loads(data)["replica"] == first and cookies == []
        assert proxy.served_by("/media/abc.jpg", cookie=pinned)[0] == first
    holder = proxy.a if first == "a" else proxy.b
    other = proxy.b if first == "a" else proxy.a
    uploads = [r for r in holder.seen if r.method == "PUT"]
    assert len(uploads) == 10 and all(r.body_bytes == len(photo) for r in uploads)
    assert not [r for r in other.seen if r.method == "PUT"]


def test_a_cookie_nginx_never_set_is_treated_as_none(proxy: Proxy) -> None:
    replica, cookies = proxy.served_by(cookie="../../etc")
    assert route_cookie(cookies) == replica


def test_a_dead_replicas_browsers_move_to_the_other_and_stay_there(proxy: Proxy) -> None:
    assert proxy.served_by(cookie="b") == ("b", [])
    proxy.b.stop()
    replica, cookies = proxy.served_by(cookie="b")
    assert replica == "a" and route_cookie(cookies) == "a"  # re-pinned to the one that answered
    # The next requests, with the new cookie, never try the dead one.
    assert proxy.served_by(cookie="a") == ("a", [])
    proxy.b.start()
    # B is back, but this browser's session now lives on A: it stays there.
    assert all(proxy.served_by(cookie="a") == ("a", []) for _ in range(5))
    retried = [line for line in nginx.wait_for_log(proxy.prefix, 8) if ", " in line.upstream]
    assert retried and retried[0].served_by == "a"


def test_the_websocket_upgrade_and_forwarded_headers_reach_the_replica(proxy: Proxy) -> None:
    status, _, _, data = proxy.request(
        "GET", "/_stcore/stream", cookie="a",
        headers={"Upgrade": "websocket", "Connection": "Upgrade",
                 "Sec-WebSocket-Key": "dGhlIHNhbXBsZSBub25jZQ==", "Sec-WebSocket-Version": "13"},
    )  # fmt: skip
    assert status == 200 and json.loads(data)["replica"] == "a"
    got = proxy.a.seen[-1].headers
    assert got["upgrade"] == "websocket" and got["connection"].lower() == "upgrade"
    # The Host keeps its port: Streamlit accepts a WebSocket only from an Origin matching it.
    assert got["host"] == f"127.0.0.1:{proxy.port}"
    assert got["x-forwarded-for"] == "127.0.0.1" and got["x-real-ip"] == "127.0.0.1"
    assert got["x-forwarded-proto"] == "http"
    assert got["x-forwarded-host"] == f"127.0.0.1:{proxy.port}"
    proxy.served_by(cookie="a")
    plain = proxy.a.seen[-1].headers
    assert "upgrade" not in plain and plain["connection"] == "close"


def test_the_upload_limit_matches_streamlits_and_stops_larger_bodies_at_nginx(
    proxy: Proxy,
) -> None:
    streamlit = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text())
    limit_mb = streamlit["server"]["maxUploadSize"]
    m = re.search(r"client_max_body_size (\d+)m;", TEMPLATE.read_text())
    assert m and int(m.group(1)) == limit_mb + 1  # the file, plus the form around it
    at_limit = b"\xff" * (limit_mb * 1024 * 1024)
    status, _, _, _ = proxy.request("PUT", "/_stcore/upload_file/s/f", cookie="a", body=at_limit)
    assert status == 200
    too_big = b"\xff" * ((limit_mb + 1) * 1024 * 1024 + 1)
    status, _, cookies, _ = proxy.request("PUT", "/_stcore/upload_file/s/f", cookie="a",
                                          body=too_big)  # fmt: skip
    assert status == 413 and route_cookie(cookies) is None
    assert [r.body_bytes for r in proxy.a.seen] == [len(at_limit)]  # never reached a replica


def documented_headers() -> dict[str, str]:
    """The `add_header NAME "VALUE" always;` lines of the nginx example in docs/deploy.md."""
    text = (ROOT / "docs" / "deploy.md").read_text()
    return dict(re.findall(r'add_header ([A-Za-z-]+) "([^"]+)" always;', text))


def test_every_response_carries_the_documented_security_headers(proxy: Proxy) -> None:
    documented = documented_headers()
    assert {"Content-Security-Policy", "X-Frame-Options", "Referrer-Policy"} <= set(documented)
    in_template = dict(re.findall(r'add_header ([A-Za-z-]+) "([^"]+)" always;',
                                  TEMPLATE.read_text()))  # fmt: skip
    assert in_template == documented
    for expected, body in ((200, None), (413, b"x" * (27 * 1024 * 1024))):
        method = "GET" if body is None else "PUT"
        status, headers, _, _ = proxy.request(method, "/", cookie="a", body=body)
        assert status == expected
        for name, value in documented.items():
            assert headers.get(name.lower()) == value, name
        assert "server" not in headers or headers["server"] == "nginx"  # no version


def test_the_access_log_names_the_replica_but_no_credential(proxy: Proxy) -> None:
    token = "SECRET-LINK-TOKEN-123"
    proxy.served_by(f"/?t={token}")
    proxy.served_by("/media/0123456789abcdef.jpg", cookie="b")
    proxy.request("PUT", "/_stcore/upload_file/session-xyz/file-9", cookie="b", body=b"x")
    lines = nginx.wait_for_log(proxy.prefix, 3)
    text = (proxy.prefix / "logs" / "access.log").read_text()
    assert token not in text and "0123456789abcdef" not in text and "session-xyz" not in text
    assert [(line.method, line.path) for line in lines] == [
        ("GET", "/"), ("GET", "/media/-"), ("PUT", "/_stcore/upload_file/-"),
    ]  # fmt: skip
    assert lines[0].replica_cookie == "-" and lines[0].served_by in ("a", "b")
    assert [line.served_by for line in lines[1:]] == ["b", "b"]
    assert lines[1].upstream == f"127.0.0.1:{proxy.b.port}"

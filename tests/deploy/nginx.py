"""Real nginx for the tests, from deploy/nginx.conf.template rendered by deploy/run-replicas.sh.

    prefix = render(tmp_dir, listen_port=..., replica_ports=(a, b))
    proc = start(prefix, port)      # nginx -p PREFIX -c PREFIX/nginx.conf -g 'daemon off;'
    ...
    stop(proc)

nginx comes from Debian's package, installed by tools/ensure-nginx.sh (the Makefile's test
target runs it). Without it the tests fail and say so; they never skip.
"""

from __future__ import annotations

import os
import re
import socket
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
NGINX = "/usr/sbin/nginx"
LAUNCHER = ROOT / "deploy" / "run-replicas.sh"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def require_nginx() -> str:
    assert Path(NGINX).exists(), "nginx is missing: run `bash tools/ensure-nginx.sh` (as root)"
    return NGINX


def make_prefix() -> Path:
    """A fresh directory for nginx's config, logs and temporary files.

    Not under pytest's tmp_path: that is 0700, and nginx's workers (which drop root for
    ``nobody``) must reach their temporary files inside it.
    """
    return Path(tempfile.mkdtemp(prefix="checkins-nginx-"))


def launcher_env(*, listen_port: int, replica_ports: tuple[int, int]) -> dict[str, str]:
    return {
        **os.environ,
        "CHECKINS_PROXY_LISTEN": f"127.0.0.1:{listen_port}",
        "CHECKINS_REPLICA_PORTS": f"{replica_ports[0]} {replica_ports[1]}",
    }


def render(prefix: Path, *, listen_port: int, replica_ports: tuple[int, int]) -> Path:
    """Write ``prefix/nginx.conf`` with the launcher's own renderer; return the prefix."""
    subprocess.run(
        ["bash", str(LAUNCHER), "--render", str(prefix)],
        env=launcher_env(listen_port=listen_port, replica_ports=replica_ports),
        check=True,
        capture_output=True,
        timeout=60,
    )
    return prefix


def wait_listening(port: int, proc: subprocess.Popen[bytes], timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while True:
        if proc.poll() is not None:
            raise RuntimeError(f"exited with {proc.returncode} before listening on {port}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return
        except OSError:
            if time.monotonic() > deadline:
                raise RuntimeError(f"nothing listens on {port} after {timeout:.0f} s") from None
            time.sleep(0.05)


def start(prefix: Path, port: int) -> subprocess.Popen[bytes]:
    """Run nginx in the foreground from ``prefix``; return once it accepts connections."""
    conf, log = prefix / "nginx.conf", prefix / "logs" / "error.log"
    cmd = [require_nginx(), "-p", str(prefix), "-c", str(conf), "-e", str(log)]
    subprocess.run([*cmd, "-t", "-q"], check=True, capture_output=True, timeout=30)
    proc = subprocess.Popen([*cmd, "-g", "daemon off;"])
    try:
        wait_listening(port, proc)
    except BaseException:
        stop(proc)
        raise
    return proc


def stop(proc: subprocess.Popen[bytes]) -> None:
    if proc.poll() is None:
        proc.terminate()  # SIGTERM: nginx's fast shutdown
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


@dataclass(frozen=True)
class LogLine:
    method: str
    path: str
    status: int
    replica_cookie: str  # "-" when the request carried none
    upstream: str  # "127.0.0.1:PORT", "A, B" after a retry, "-" when nginx answered itself
    served_by: str  # "a", "b" or ""


_LINE = re.compile(
    r'^\S+ \S+ "(?P<method>\S+) (?P<path>\S+)" (?P<status>\d+) \d+ \S+ '
    r"replica_cookie=(?P<cookie>\S*) upstream=(?P<upstream>.*?) served_by=(?P<served>\S*)$"
)


def access_log(prefix: Path) -> list[LogLine]:
    """The requests nginx has logged so far (a WebSocket is logged when it closes)."""
    path = prefix / "logs" / "access.log"
    if not path.exists():
        return []
    out = []
    for line in path.read_text().splitlines():
        m = _LINE.match(line)
        assert m, f"an access log line in an unexpected format: {line!r}"
        out.append(
            LogLine(m["method"], m["path"], int(m["status"]), m["cookie"], m["upstream"],
                    m["served"])
        )  # fmt: skip
    return out


def wait_for_log(prefix: Path, n: int, timeout: float = 15.0) -> list[LogLine]:
    """At least ``n`` logged requests: nginx writes a line just after the response has gone."""
    deadline = time.monotonic() + timeout
    while len(lines := access_log(prefix)) < n and time.monotonic() < deadline:
        time.sleep(0.05)
    return lines

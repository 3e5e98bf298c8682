"""nginx in front of gunicorn, with real processes: 8 uploads that declare 100 MB and stall do not take the app
server's threads (a page still answers in under a second), and a declared 1 GB upload is refused at once."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(
        not (shutil.which("nginx") or Path("/usr/sbin/nginx").exists()), reason="run scripts/system-deps.sh"
    ),
]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def get_seconds(url: str) -> float:
    started = time.monotonic()
    with urllib.request.urlopen(url, timeout=5) as r:
        assert r.status == 200
        r.read()
    return time.monotonic() - started


def post_head(port: int, length: int, body: bytes = b"") -> socket.socket:
    s = socket.create_connection(("127.0.0.1", port), timeout=5)
    s.sendall(
        (
            f"POST /clinic/recordings/patient/1/upload/ HTTP/1.1\r\nHost: 127.0.0.1\r\n"
            f"Content-Type: multipart/form-data; boundary=x\r\nContent-Length: {length}\r\n\r\n"
        ).encode()
        + body
    )
    return s


def test_stalled_uploads_do_not_block_pages_and_oversize_is_refused_at_once(tmp_path):
    env = {
        **os.environ,
        "FACETWITCH_CLINIC_DATA": str(tmp_path / "data"),
        "FACETWITCH_DEBUG": "0",
        "DJANGO_SETTINGS_MODULE": "facetwitch.clinic.settings",
        "PYTHONPATH": str(ROOT / "src"),
        "FACETWITCH_MAX_UPLOAD_MB": "500",
    }
    env.pop("DATABASE_URL", None)
    py = sys.executable
    subprocess.run(
        [py, "-m", "facetwitch.clinic.manage", "migrate", "-v", "0"], env=env, check=True, timeout=300
    )
    app_port, proxy_port = free_port(), free_port()
    gunicorn = str(Path(py).with_name("gunicorn"))
    # The production shape at its smallest: 1 worker x 2 threads; without the proxy 2 stalled uploads block it.
    app = subprocess.Popen(
        [gunicorn, "facetwitch.clinic.wsgi:application", "--bind", f"127.0.0.1:{app_port}", "--workers", "1",
         "--threads", "2"],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    proxy = subprocess.Popen(
        [py, "-m", "facetwitch.clinic.proxy", "--listen", f"127.0.0.1:{proxy_port}", "--upstream",
         f"127.0.0.1:{app_port}", "--runtime", str(tmp_path / "nginx")],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
    )  # fmt: skip
    url = f"http://127.0.0.1:{proxy_port}/learn/"
    stalled: list[socket.socket] = []
    try:
        deadline = time.monotonic() + 90
        while True:
            try:
                get_seconds(url)
                break
            except OSError:
                if time.monotonic() > deadline or proxy.poll() is not None:
                    raise AssertionError("the proxy did not come up") from None
                time.sleep(0.5)
        for _ in range(8):
            stalled.append(post_head(proxy_port, 100 * 1024 * 1024, b"--x\r\n" + b"a" * 65536))
        time.sleep(1.0)
        assert max(get_seconds(url) for _ in range(3)) < 1.0
        # A declared 1 GB body: refused from the header alone, before any of it is sent.
        started = time.monotonic()
        big = post_head(proxy_port, 1024**3)
        reply = big.recv(4096).decode(errors="replace")
        big.close()
        assert time.monotonic() - started < 1.0
        assert reply.startswith("HTTP/1.1 413") and "larger than this clinic accepts" in reply
    finally:
        for s in stalled:
            s.close()
        proxy.terminate()
        app.terminate()
        proxy.wait(timeout=20)
        app.wait(timeout=20)

"""scripts/run-clinic.sh for real: migrate + seed + worker + gunicorn on a free port, log in, Ctrl-C stops all."""

from __future__ import annotations

import http.cookiejar
import os
import re
import select
import signal
import socket
import subprocess
import time
import urllib.parse
import urllib.request
from pathlib import Path

import pytest

from facetwitch.clinic.patients.demo import DEMO_PASSWORD

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.slow


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def processes_in_group(pgid: int) -> list[str]:
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
            if int(fields[2]) == pgid and fields[0] != "Z":
                found.append((stat.parent / "cmdline").read_bytes().replace(b"\0", b" ").decode())
        except (OSError, IndexError, ValueError):
            continue
    return found


def read_until(proc: subprocess.Popen, pattern: str, timeout: float) -> str:
    out, deadline = "", time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            break
        ready, _, _ = select.select([proc.stdout], [], [], 1.0)
        if ready:
            line = proc.stdout.readline()
            out += line
            if re.search(pattern, line):
                return out
    raise AssertionError(f"run-clinic.sh did not print {pattern!r}; output so far:\n{out}")


def test_run_clinic_serves_the_demo_and_stops_on_ctrl_c(tmp_path):
    port = free_port()
    env = {
        **os.environ,
        "FACETWITCH_CLINIC_DATA": str(tmp_path / "data"),
        "FACETWITCH_PORT": str(port),
        "FACETWITCH_DEMO_CORE_ONLY": "1",
    }
    env.pop("DATABASE_URL", None)
    proc = subprocess.Popen(
        ["bash", "scripts/run-clinic.sh"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,  # its own process group, like a terminal's foreground job
    )
    try:
        banner = read_until(proc, r"Press Ctrl-C", timeout=120)
        assert f"http://127.0.0.1:{port}/clinic/" in banner and "clinician / facetwitch-demo" in banner
        base = f"http://127.0.0.1:{port}"
        jar = http.cookiejar.CookieJar()
        opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
        for _ in range(30):  # gunicorn may need a moment after the banner
            try:
                login_page = opener.open(f"{base}/accounts/login/", timeout=5).read().decode()
                break
            except OSError:
                time.sleep(0.5)
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', login_page).group(1)
        body = urllib.parse.urlencode(
            {"csrfmiddlewaretoken": token, "username": "clinician", "password": DEMO_PASSWORD}
        ).encode()
        request = urllib.request.Request(f"{base}/accounts/login/", data=body, headers={"Referer": base})
        patients_page = opener.open(request, timeout=10).read().decode()
        assert "DEMO-0001" in patients_page and "Lopez, Maria" in patients_page
        css = opener.open(f"{base}/static/clinic/clinic.css", timeout=5)
        assert css.status == 200 and b"--accent" in css.read()
        running = " | ".join(processes_in_group(proc.pid))
        assert "analysis_worker" in running and "gunicorn" in running
    finally:
        os.killpg(proc.pid, signal.SIGINT)  # Ctrl-C
        try:
            proc.wait(timeout=40)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            raise
    deadline = time.monotonic() + 20
    while processes_in_group(proc.pid) and time.monotonic() < deadline:
        time.sleep(0.5)
    assert processes_in_group(proc.pid) == [], "worker or server left running after Ctrl-C"
    with socket.socket() as s:
        assert s.connect_ex(("127.0.0.1", port)) != 0, "port still served after Ctrl-C"

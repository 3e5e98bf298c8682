"""The clinic's supervisor with real processes: kill -9 the analysis worker -> the site keeps answering and the
worker is back within 10 s; stopping the supervisor stops both children."""

from __future__ import annotations

import os
import queue
import re
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.slow


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def answers(url: str, timeout: float = 2.0) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=timeout) as r:
            return r.status == 200
    except OSError:
        return False


def test_a_killed_worker_is_restarted_and_the_site_stays_up(tmp_path):
    env = {
        **os.environ,
        "FACETWITCH_CLINIC_DATA": str(tmp_path / "data"),
        "FACETWITCH_DEBUG": "0",
        "DJANGO_SETTINGS_MODULE": "facetwitch.clinic.settings",
        "PYTHONPATH": str(ROOT / "src"),
    }
    env.pop("DATABASE_URL", None)
    py = sys.executable
    subprocess.run(
        [py, "-m", "facetwitch.clinic.manage", "migrate", "-v", "0"], env=env, check=True, timeout=300
    )
    port = free_port()
    gunicorn = str(Path(py).with_name("gunicorn"))
    sup = subprocess.Popen(
        [py, "-m", "facetwitch.clinic.supervise", "--grace", "5",
         "--name", "worker", "--", py, "-m", "facetwitch.clinic.manage", "analysis_worker", "--no-reload",
         "--no-startup-delay",
         "--name", "web", "--", gunicorn, "facetwitch.clinic.wsgi:application", "--bind", f"127.0.0.1:{port}",
         "--workers", "1", "--threads", "2"],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )  # fmt: skip
    lines: queue.Queue[str] = queue.Queue()
    threading.Thread(target=lambda: [lines.put(line) for line in sup.stdout], daemon=True).start()

    def wait_for(pattern: str, timeout: float) -> re.Match:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                line = lines.get(timeout=0.2)
            except queue.Empty:
                continue
            if m := re.search(pattern, line):
                return m
        raise AssertionError(f"the supervisor did not print {pattern!r} within {timeout} s")

    url = f"http://127.0.0.1:{port}/learn/"
    try:
        worker_pid = int(wait_for(r"worker started \(pid (\d+)\)", 60).group(1))
        deadline = time.monotonic() + 90
        while not answers(url) and time.monotonic() < deadline:
            time.sleep(0.5)
        assert answers(url), "the site did not come up"
        time.sleep(2)  # the worker is running (not just forked)
        os.kill(worker_pid, signal.SIGKILL)
        killed_at = time.monotonic()
        assert answers(url), "the site went down with the worker"
        new_pid = int(wait_for(r"worker started \(pid (\d+)\)", 10).group(1))
        assert time.monotonic() - killed_at < 10 and new_pid != worker_pid
        os.kill(new_pid, 0)  # alive
        started = time.monotonic()
        assert answers(url) and time.monotonic() - started < 2
    finally:
        sup.send_signal(signal.SIGTERM)
        sup.wait(timeout=30)
    assert sup.returncode == 0
    with pytest.raises(ProcessLookupError):
        os.kill(new_pid, 0)

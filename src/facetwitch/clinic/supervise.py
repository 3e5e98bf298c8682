"""A small process supervisor for the clinic: the web server and the analysis worker run as separate children;
one that dies is restarted (the other keeps running), so a crashed worker never takes the site down.

``python -m facetwitch.clinic.supervise --name web -- CMD... --name worker -- CMD...``

A child that dies is restarted after a short back-off (0.5 s, doubling to 8 s while it keeps dying within a
minute of its start). SIGINT/SIGTERM stop every child (SIGTERM, then SIGKILL after ``--grace`` seconds) and end
the supervisor. Each (re)start is printed with the child's pid, so operators (and tests) see what happened.
"""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field

STABLE_S = 60.0
FIRST_DELAY_S, MAX_DELAY_S = 0.5, 8.0


@dataclass
class Child:
    name: str
    command: list[str]
    process: subprocess.Popen | None = None
    started_at: float = 0.0
    delay_s: float = FIRST_DELAY_S
    restart_at: float | None = None
    restarts: int = field(default=0)

    def start(self) -> None:
        self.process = subprocess.Popen(self.command)
        self.started_at = time.monotonic()
        self.restart_at = None
        print(f"supervise: {self.name} started (pid {self.process.pid})", flush=True)


def parse(argv: list[str]) -> tuple[list[Child], float]:
    """``--name NAME -- CMD ...`` groups; ``--grace S`` first."""
    grace = 10.0
    if argv[:1] == ["--grace"]:
        grace, argv = float(argv[1]), argv[2:]
    children: list[Child] = []
    while argv:
        if len(argv) < 4 or argv[0] != "--name" or argv[2] != "--":
            raise SystemExit("usage: supervise [--grace S] --name NAME -- CMD... [--name NAME -- CMD...]")
        name, rest = argv[1], argv[3:]
        end = next((i for i, a in enumerate(rest) if a == "--name"), len(rest))
        children.append(Child(name, rest[:end]))
        argv = rest[end:]
    return children, grace


def run(children: list[Child], grace: float) -> int:
    stopping = False

    def stop(signum, frame) -> None:
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    for child in children:
        child.start()
    while not stopping:
        now = time.monotonic()
        for child in children:
            if child.restart_at is not None:
                if now >= child.restart_at:
                    child.restarts += 1
                    child.start()
                continue
            code = child.process.poll()
            if code is None:
                continue
            child.delay_s = (
                FIRST_DELAY_S if now - child.started_at > STABLE_S else min(child.delay_s * 2, MAX_DELAY_S)
            )
            child.restart_at = now + child.delay_s
            print(
                f"supervise: {child.name} (pid {child.process.pid}) ended with {code}; restarting in "
                f"{child.delay_s:g} s",
                file=sys.stderr,
                flush=True,
            )
        time.sleep(0.2)
    print("supervise: stopping", flush=True)
    live = [c.process for c in children if c.process is not None and c.process.poll() is None]
    for process in live:
        process.terminate()
    deadline = time.monotonic() + grace
    for process in live:
        try:
            process.wait(timeout=max(0.0, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
    return 0


def main(argv: list[str] | None = None) -> int:
    children, grace = parse(sys.argv[1:] if argv is None else argv)
    return run(children, grace)


if __name__ == "__main__":
    sys.exit(main())

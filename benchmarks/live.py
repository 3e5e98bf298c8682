"""The live loop's speed in headless Chromium: MediaPipe for the web on a 30 fps simulated camera.

Usage: ``.venv/bin/python benchmarks/live.py [--seconds 15]`` (also run by ``make bench``). Starts a throwaway
clinic (temporary data folder, SQLite) in this process, opens the live-measures page in Debian's Chromium with a
simulated face video as the fake camera, and reports the frames per second the page's loop processed (bar >= 15)
with the time per landmarker call. Prints a table and writes benchmarks/results/live.md and live.json.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import threading
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
RESULTS = HERE / "results"
ROOT = HERE.parent
BAR_FPS = 15.0
CHROMIUM = "/usr/bin/chromium"


def _camera(folder: Path) -> Path:
    from facetwitch.simulate import Blink, Scenario, Spasm
    from facetwitch.simulate.camera import write_y4m

    scenario = Scenario(duration_s=6.0, size=(640, 480), events=[Blink(1.0), Spasm(2.5, "left")], seed=5)
    return write_y4m(scenario, folder / "camera.y4m")


def _serve(folder: Path):
    os.environ["FACETWITCH_CLINIC_DATA"] = str(folder / "clinic")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "facetwitch.clinic.settings")
    import django

    django.setup()
    from django.contrib.auth.models import User
    from django.contrib.staticfiles.handlers import StaticFilesHandler
    from django.core.management import call_command
    from django.core.servers.basehttp import ThreadedWSGIServer, WSGIRequestHandler
    from django.core.wsgi import get_wsgi_application

    call_command("migrate", verbosity=0)
    User.objects.create_superuser("bench", password="bench-password-123")

    class Quiet(WSGIRequestHandler):
        def log_message(self, *args) -> None:
            pass

    server = ThreadedWSGIServer(("127.0.0.1", 0), Quiet)
    server.set_app(StaticFilesHandler(get_wsgi_application()))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=15.0, help="how long to measure the loop")
    args = parser.parse_args()
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory(prefix="facetwitch-live-bench-") as tmp:
        folder = Path(tmp)
        camera = _camera(folder)
        server = _serve(folder)
        base = f"http://127.0.0.1:{server.server_address[1]}"
        flags = ["--no-sandbox", "--headless", "--disable-gpu", "--disable-dev-shm-usage",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync",
                 "--no-first-run", "--use-fake-device-for-media-stream", "--use-fake-ui-for-media-stream",
                 f"--use-file-for-fake-video-capture={camera}"]  # fmt: skip
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=CHROMIUM, args=flags)
            page = browser.new_context(permissions=["camera"]).new_page()
            page.goto(f"{base}/accounts/login/")
            page.get_by_label("Username").fill("bench")
            page.get_by_label("Password").fill("bench-password-123")
            page.get_by_role("button", name="Log in").click()
            page.wait_for_url(f"{base}/clinic/**")
            page.goto(f"{base}/clinic/capture/live/")
            page.wait_for_function(
                "() => window.facetwitchLive && window.facetwitchLive.frames > 30", timeout=120000
            )
            snapshot = (
                "() => [performance.now(), window.facetwitchLive.frames, window.facetwitchLive.callMsTotal]"
            )
            start = page.evaluate(snapshot)
            time.sleep(args.seconds)
            end = page.evaluate(snapshot)
            browser.close()
        server.shutdown()
    frames = end[1] - start[1]
    fps = frames / ((end[0] - start[0]) / 1000)
    result = {
        "live_loop_fps": round(fps, 1),
        "ms_per_frame": round(1000 / fps, 1) if fps else None,
        "ms_per_landmarker_call": round((end[2] - start[2]) / frames, 1) if frames else None,
        "bar_fps": BAR_FPS,
        "passes": fps >= BAR_FPS,
        "camera_fps": 30,
        "seconds": args.seconds,
        "cpus": os.cpu_count(),
        "load_average_1min": round(os.getloadavg()[0], 2),
    }
    table = (
        "| measure | value | bar |\n|---|---|---|\n"
        f"| live loop (frames/s, headless Chromium, CPU delegate, 640x480 camera at 30 fps) | {result['live_loop_fps']} | >= {BAR_FPS} |\n"
        f"| time per frame (ms) | {result['ms_per_frame']} | |\n"
        f"| of which the landmarker call (ms) | {result['ms_per_landmarker_call']} | |\n"
        f"| machine load (1-min average, {result['cpus']} CPUs) | {result['load_average_1min']} | |\n"
    )
    print(table)
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "live.md").write_text("# Live loop in the browser\n\n" + table, encoding="utf-8")
    (RESULTS / "live.json").write_text(json.dumps(result, indent=2), encoding="utf-8")
    return 0 if result["passes"] else 1


if __name__ == "__main__":
    sys.exit(main())

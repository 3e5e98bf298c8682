"""Video fuzzing through the clinic: broken videos of every kind uploaded through the real form, the accepted
ones analysed by the real worker (``manage.py analysis_worker``), then a valid video after them.

Each bad file is either refused at upload with a clear form error (nothing stored, nothing queued) or ends as a
failed analysis with a clear message naming the uploaded file, never the private store; no task crashes, nothing
runs past the time limit, and the same worker then analyses the valid video.
"""

from __future__ import annotations

import html
import re
import time
from collections import Counter, defaultdict
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.urls import reverse
from django_tasks_db.models import DBTaskResult

from facetwitch.clinic.recordings.models import Recording
from facetwitch.simulate.corrupt import KINDS, make_face_corpus

# The valid video and the accepted mutants of a face video run the real face model.
pytestmark = pytest.mark.e2e

PER_KIND = 4  # files of each kind, spread over the kind's list (different mutations)
TIME_LIMIT_S = 20.0
ADVICE = re.compile(r"\b(upload|record|export|copy|choose|film|check|cut)\b", re.IGNORECASE)


@pytest.fixture(scope="module")
def sample(tmp_path_factory):
    items, face = make_face_corpus(tmp_path_factory.mktemp("fuzz"), count=200, seed=29)
    chosen = []
    for kind in KINDS:
        of_kind = [item for item in items if item.kind == kind]
        step = max(1, len(of_kind) // PER_KIND)
        chosen += of_kind[::step][:PER_KIND]
    return chosen, face


def _form_errors(response) -> list[str]:
    found = re.findall(r'<ul class="errorlist[^"]*"[^>]*>(.*?)</ul>', response.content.decode(), re.S)
    return [html.unescape(re.sub(r"<[^>]+>|\s+", " ", e)).strip() for e in found]


@pytest.mark.django_db(transaction=True)  # the worker closes connections between tasks, as in production
def test_broken_uploads_are_refused_or_fail_clearly_and_the_worker_keeps_serving(
    staff_client, patient, sample, settings
):
    settings.FACETWITCH_ANALYSIS_TIME_LIMIT_S = TIME_LIMIT_S
    items, face = sample
    assert len(items) >= 20 and {item.kind for item in items} == set(KINDS)
    uploads = [(item.path.name, item.path.read_bytes(), item.kind, item.detail) for item in items]
    uploads.append(("valid after them.mp4", face.read_bytes(), "valid", "the face seed, unchanged"))

    refused: dict[str, str] = {}
    accepted: dict[str, int] = {}
    for name, content, _kind, detail in uploads:
        started = time.monotonic()
        response = staff_client.post(
            reverse("recordings:upload", args=[patient.pk]),
            {
                "recorded_on": "2026-03-01",
                "notes": "",
                "video": SimpleUploadedFile(name, content, "video/mp4"),
            },
        )
        assert time.monotonic() - started < 10, f"the upload of {name} ({detail}) took too long"
        if response.status_code == 302:
            accepted[name] = Recording.objects.get(original_name=name).pk
            continue
        assert response.status_code == 400, f"{name} ({detail}): status {response.status_code}"
        errors = _form_errors(response)
        assert errors and all(ADVICE.search(e) for e in errors), f"{name} ({detail}): unclear {errors}"
        refused[name] = " ".join(errors)
    assert not Recording.objects.filter(original_name__in=refused).exists()
    assert "valid after them.mp4" in accepted

    # One worker takes the whole queue in order: every bad video, then the valid one.
    started = time.monotonic()
    call_command("analysis_worker", "--batch", "--no-startup-delay", verbosity=0)
    worker_s = time.monotonic() - started

    outcomes: dict[str, Counter] = defaultdict(Counter)
    for name, _, kind, detail in uploads:
        if name in refused:
            outcomes[kind]["refused at upload"] += 1
            continue
        recording = Recording.objects.get(pk=accepted[name])
        assert recording.status in ("done", "failed"), f"{name} ({detail}) left {recording.status}"
        took = (recording.finished_at - recording.started_at).total_seconds()
        assert took < TIME_LIMIT_S + 10, f"{name} ({detail}) ran {took:.0f} s"
        if recording.status == "failed":
            message = recording.error_message
            assert not message.startswith("The analysis failed unexpectedly"), f"{name} ({detail}): {message}"
            assert ADVICE.search(message), f"{name} ({detail}): unclear {message!r}"
            assert recording.storage_key not in message and str(settings.PRIVATE_MEDIA_ROOT) not in message
            outcomes[kind]["failed with a message"] += 1
        else:
            assert recording.private_path(recording.analysis_json).is_file()
            outcomes[kind]["analysed"] += 1
    # No task crashed; every queued task ran; the valid video, queued last, was analysed after all the others.
    assert set(DBTaskResult.objects.values_list("status", flat=True)) == {"SUCCESSFUL"}
    valid = Recording.objects.get(original_name="valid after them.mp4")
    assert valid.status == "done", valid.error_message
    assert valid.started_at >= max(r.finished_at for r in Recording.objects.exclude(pk=valid.pk))
    # Upload scratch files are gone; only stored videos and results remain in the private store.
    scratch = Path(settings.PRIVATE_MEDIA_ROOT) / "tmp"
    assert not scratch.exists() or not any(scratch.iterdir())

    report = ", ".join(f"{k} {dict(v)}" for k, v in outcomes.items())
    print(f"\nvideo fuzzing (clinic): {len(uploads)} uploads ({len(refused)} refused at upload, "
          f"{len(accepted)} analysed by the worker in {worker_s:.0f} s): {report}")  # fmt: skip

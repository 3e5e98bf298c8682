"""Face-model provisioning: verification, overrides, and the real wheel fallback."""

from __future__ import annotations

import shutil

import pytest

from facetwitch import model


def test_cached_model_verifies():
    path = model.resolve()
    model.verify(path)
    assert path.stat().st_size == model.MODEL_SIZE


def test_corrupt_model_is_refused_with_advice(tmp_path):
    bad = tmp_path / "face_landmarker.task"
    shutil.copy(model.resolve(), bad)
    with open(bad, "r+b") as fh:
        fh.seek(1000)
        fh.write(b"\x00\x01\x02")
    with pytest.raises(model.ModelError, match="sha256"):
        model.resolve(bad)


def test_environment_override(tmp_path, monkeypatch):
    copy = tmp_path / "my model.task"
    shutil.copy(model.resolve(), copy)
    monkeypatch.setenv(model.ENV_MODEL, str(copy))
    assert model.resolve() == copy
    monkeypatch.setenv(model.ENV_MODEL, str(tmp_path / "missing.task"))
    with pytest.raises(model.ModelError, match="not found"):
        model.resolve()


def test_empty_cache_without_fetch_says_what_to_run(tmp_path, monkeypatch):
    monkeypatch.setenv(model.ENV_CACHE, str(tmp_path))
    monkeypatch.delenv(model.ENV_MODEL, raising=False)
    with pytest.raises(model.ModelError, match="facetwitch model fetch"):
        model.resolve(fetch=False)


@pytest.mark.slow
def test_fetch_into_an_empty_cache_uses_a_verified_source(tmp_path, monkeypatch):
    monkeypatch.setenv(model.ENV_CACHE, str(tmp_path))
    monkeypatch.delenv(model.ENV_MODEL, raising=False)
    messages: list[str] = []
    path = model.fetch_model(log=messages.append)
    assert path == model.cached_model_path() and path.parent.parent == tmp_path
    model.verify(path)
    assert messages and "face model from" in messages[0]
    assert not list(path.parent.glob("tmp*"))  # temporary download folder cleaned up

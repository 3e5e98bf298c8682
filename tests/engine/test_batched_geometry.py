"""Per-frame work done in batches (head pose, raw geometry, the frame table) gives each frame what it would
get alone, and the frame table is built without pulling in pandas."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pyarrow as pa
import pytest

import facetwitch
from facetwitch import pipeline
from facetwitch.landmarks.litert import GEOMETRY, _read_task
from facetwitch.landmarks.pose import PoseFitter, parse_geometry_metadata
from facetwitch.model import resolve
from facetwitch.pipeline import _arrow, _Rows
from facetwitch.signals import RAW, measure_many
from facetwitch.timeline import _as_float


@pytest.fixture(scope="module")
def faces():
    """Canonical faces projected with different rotations, scales and noise; one mirrored (a reflection, which
    the Procrustes fit must not take for a rotation)."""
    face = parse_geometry_metadata(_read_task(resolve(None))[GEOMETRY])
    rng = np.random.default_rng(3)
    out = []
    for i in range(9):
        yaw, roll = np.radians(rng.uniform(-20, 20)), np.radians(rng.uniform(-15, 15))
        ry = np.array([[np.cos(yaw), 0, np.sin(yaw)], [0, 1, 0], [-np.sin(yaw), 0, np.cos(yaw)]])
        rz = np.array([[np.cos(roll), -np.sin(roll), 0], [np.sin(roll), np.cos(roll), 0], [0, 0, 1]])
        p = (rz @ ry @ face.points_cm).T * rng.uniform(15, 30)
        px = np.column_stack([640 + p[:, 0], 360 - p[:, 1], -p[:, 2]])
        if i == 4:
            px[:, 0] = 1280 - px[:, 0]
        px = np.vstack([px, px[:10]]) + rng.normal(0, 0.5, (478, 3))  # 10 stand-in iris points
        out.append(px)
    return PoseFitter(face), np.asarray(out, dtype=np.float32)


def test_pose_and_geometry_of_a_batch_equal_each_frame_alone(faces):
    fitter, points = faces
    poses = fitter.fit_many(points, 1280, 720)
    alone = np.stack([fitter.fit(p, 1280, 720) for p in points])
    np.testing.assert_array_equal(poses, alone)
    rotations = poses[:, :3, :3] / np.linalg.norm(poses[:, :3, 0], axis=1)[:, None, None]
    assert np.allclose(np.linalg.det(rotations), 1.0, atol=1e-4)  # rotations, also for the mirrored face
    rows = measure_many(points, poses)
    rows_alone = np.concatenate(
        [measure_many(points[i : i + 1], poses[i : i + 1]) for i in range(len(points))]
    )
    np.testing.assert_allclose(rows, rows_alone, rtol=1e-6, atol=1e-6)
    assert np.ptp(rows[:, RAW["yaw_deg"]]) > 10  # the frames really differ


def test_rows_extend_places_nan_rows_where_no_face_was_found():
    rows = _Rows(2, block=2)  # rows spill over blocks
    rows.extend(np.array([[1.0, 2.0], [3.0, 4.0]], dtype=np.float32), np.array([True, False, True]))
    rows.extend(np.empty((0, 2), dtype=np.float32), np.array([False]))
    rows.append(np.array([5.0, 6.0], dtype=np.float32))
    rows.append(None)
    expected = np.array([[1, 2], [np.nan, np.nan], [3, 4], [np.nan, np.nan], [5, 6], [np.nan, np.nan]])
    np.testing.assert_array_equal(rows.take(), expected.astype(np.float32))
    assert rows.n == 0 and rows.take().shape == (0, 2)  # taken: the table is empty again


def test_arrow_columns_equal_pyarrows_own_conversion():
    for values in (
        np.array([1.5, np.nan, -2.0], dtype=np.float32),
        np.arange(10.0)[::3],
        np.array([True, False, True, True, False, False, True, True, False, True]),
        np.zeros(0, dtype=bool),
    ):
        ours, theirs = _arrow(values), pa.array(values)
        assert ours.type == theirs.type and len(ours) == len(theirs)
        assert ours.to_pylist() == theirs.to_pylist() or np.array_equal(
            np.asarray(ours.to_pylist(), dtype=float),
            np.asarray(theirs.to_pylist(), dtype=float),
            equal_nan=True,
        )


def test_report_reads_numeric_columns_with_nulls_and_offsets():
    column = pa.chunked_array(
        [pa.array([1.0, None, 3.0]), pa.array([5, None, 7, 8], pa.int64())[1:].cast(pa.float64())]
    )
    np.testing.assert_array_equal(_as_float(column), [1.0, np.nan, 3.0, np.nan, 7.0, 8.0])
    np.testing.assert_array_equal(
        _as_float(pa.chunked_array([pa.array([True, False, None])])), [1.0, 0.0, np.nan]
    )
    assert _as_float(pa.chunked_array([], type=pa.float32())).size == 0
    assert _as_float(pa.chunked_array([pa.array(["a"])])) is None


def test_frame_table_and_parquet_need_no_pandas(tmp_path: Path):
    """pa.table/pa.array/to_numpy import pandas (~0.8 s and ~40 MB of every analyze run); the engine avoids them."""
    code = (
        "import sys, numpy as np, pyarrow.parquet as pq, pyarrow as pa\n"
        "from facetwitch.pipeline import _arrow\n"
        "from facetwitch.timeline import _as_float\n"
        "t = pa.Table.from_arrays([_arrow(np.arange(4.0)), _arrow(np.ones(4, bool))], names=['t_s', 'usable'])\n"
        f"pq.write_table(t, {str(tmp_path / 'f.parquet')!r})\n"
        "_as_float(t.column('usable'))\n"
        "print('pandas' in sys.modules)\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "False"


@pytest.mark.e2e
def test_analysis_does_not_depend_on_the_measuring_batch(right_clonic_video, monkeypatch):
    path = Path(right_clonic_video.path)
    whole = facetwitch.analyze(path, backend="litert", workers=1)
    monkeypatch.setattr(pipeline, "MEASURE_BATCH", 7)
    small = facetwitch.analyze(path, backend="litert", workers=1)
    assert whole.frames.num_rows > 7 * 10 and whole.frames.column_names == small.frames.column_names
    for name in whole.frames.column_names:
        a = _as_float(whole.frames.column(name))
        assert np.array_equal(a, _as_float(small.frames.column(name)), equal_nan=True), name
    assert [(e.kind, e.side, e.start_s, e.end_s) for e in whole.events] == [
        (e.kind, e.side, e.start_s, e.end_s) for e in small.events
    ]

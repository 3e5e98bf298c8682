"""At least 40 clinical vignettes, each drawn from a cited case description, run through the real rules."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from facetwitch.clinic.care.differential import Findings, evaluate

HERE = Path(__file__).resolve().parent
VIGNETTES = json.loads((HERE / "vignettes.json").read_text(encoding="utf-8"))["vignettes"]
DEFINED = set(re.findall(r"\*\*(DS-\d+)\*\*", (HERE.parents[1] / "docs" / "clinical-sources.md").read_text()))


def test_there_are_at_least_forty_cited_vignettes():
    assert len(VIGNETTES) >= 40
    assert len({v["id"] for v in VIGNETTES}) == len(VIGNETTES)
    assert all(v["source"] in DEFINED for v in VIGNETTES)
    assert len({v["source"] for v in VIGNETTES}) >= 30  # drawn from many different case descriptions


@pytest.mark.parametrize("vignette", VIGNETTES, ids=[v["id"] for v in VIGNETTES])
def test_vignette(vignette):
    result = evaluate(Findings.from_dict(vignette["findings"]))
    top = result.top_ids(vignette["top_k"])
    for expected in vignette["expect_top"]:
        assert expected in top, (
            f"{expected} not in top {vignette['top_k']}: {[(c.id, c.score) for c in result.candidates]}"
        )
    assert sorted(f.id for f in result.red_flags) == sorted(vignette["expect_red_flags"])
    best = result.candidates[0]
    assert best.supporting, "the top candidate must show the findings for it"
    assert all(e.cite for e in best.supporting + best.opposing)

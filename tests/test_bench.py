"""`calcterm bench` runs on every scene and reports finite, positive numbers (no thresholds)."""

from __future__ import annotations

import json
import math

from calcterm import bench
from conftest import SCENE_IDS, run_cli


def positive(value) -> bool:
    return isinstance(value, (int, float)) and math.isfinite(value) and value > 0


def test_bench_json_covers_every_scene():
    result = run_cli("bench", "--frames", "1", "--memory-frames", "2", "--json", timeout=600)
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert list(report["scenes"]) == SCENE_IDS
    for scene_id, runs in report["scenes"].items():
        assert set(runs) == {"default", "heaviest"}
        for r in runs.values():
            for part in ("compute", "render", "frame"):
                assert positive(r[part]["median_ms"]) and positive(r[part]["p95_ms"]), (scene_id, part)
                assert r[part]["p95_ms"] >= r[part]["median_ms"]
            if report["matplotlib"]:
                assert positive(r["matplotlib"]["median_ms"]) and positive(r["ratio"])
    assert all(positive(v) for v in report["startup"].values())
    assert report["memory"]["scene"] in SCENE_IDS and positive(report["memory"]["peak_rss_mb"])


def test_bench_rejects_unknown_scene():
    result = run_cli("bench", "nosuch")
    assert result.returncode == 2 and "unknown scene" in result.stderr


def test_table_says_how_to_get_matplotlib():
    timing = {"median_ms": 1.0, "p95_ms": 2.0}
    run = {"params": {}, "compute": timing, "render": timing, "frame": timing}
    report = {"size": [120, 40], "frames": 1, "python": "3", "matplotlib": False,
              "scenes": {"tangent": {"default": run, "heaviest": run}},
              "startup": {"list_s": 0.1, "help_s": 0.1, "tui_first_paint_s": 0.5}}
    text = bench.table(report)
    assert "pip install 'calcterm[bench]'" in text and "1.00 / 2.00" in text


def test_percentiles():
    p = bench.percentiles([0.001 * i for i in range(1, 101)])
    assert p["median_ms"] == 50.5 and p["p95_ms"] == 95.0

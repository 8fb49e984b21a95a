"""`make bench` machinery at toy sizes: the report has every row and target, and the flop count is right."""

import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tools"))
import bench  # noqa: E402  (a development tool outside the installed package)


def test_quick_benchmark_writes_every_figure(tmp_path):
    report = bench.main(["--quick", "--repeats", "1", "--out", str(tmp_path / "selection")])
    narrow, wide = report["throughput"]
    assert set(narrow["seconds"]) == {"sklearn_float64", "torch_single_float32", "torch_stacked_float32"}
    assert set(wide["seconds"]) == {"sklearn_float64", "torch_stacked_float32"}
    assert (narrow["batch_size"], wide["batch_size"]) == (64, 200)
    for case in (narrow, wide):
        assert all(-1 < r <= 1 for r in case["mean_cv_r2"].values())
    # The one-fit-at-a-time and stacked runs train identical members, so they score identically.
    single = narrow["cv_r2_per_candidate"]["torch_single_float32"]
    assert len(single) == 2
    assert max(abs(a - b) for a, b in zip(single, narrow["cv_r2_per_candidate"]["torch_stacked_float32"])) < 1e-5
    assert narrow["fits"]["torch_single_float32"] == 10 and narrow["fits"]["torch_stacked_float32"] == 40
    assert json.loads((tmp_path / "selection.json").read_text())["gemm_peak_gflops"] > 0
    markdown = (tmp_path / "selection.md").read_text()
    assert markdown.count("| GeO2-sized") == 3 and markdown.count("| H2O-sized") == 2
    assert len(bench.targets(report)) == 4 and markdown.count("target ≥") == 4
    profile = report["profile_widest"]
    assert 0 < profile["gemm_share"] <= 1 and profile["top"][0]["calls"] > 0
    assert "Where the widest run's time goes" in markdown and "| aten::" in markdown


def test_flops_of_an_epoch():
    # 10 rows through 3→4→2: forward 2·(12 + 8) per row, backward twice that.
    assert bench.flops_per_epoch(10, [3, 4, 2]) == 3 * 2 * 10 * 20

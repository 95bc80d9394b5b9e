"""The speed benchmark (benchmarks/speed.py) end to end on a small corpus: a smoke test, no timings judged."""

from __future__ import annotations

import importlib.util
import json
import sys
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def load_speed():
    spec = importlib.util.spec_from_file_location("speed", ROOT / "benchmarks" / "speed.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules["speed"] = module  # dataclasses look their module up
    spec.loader.exec_module(module)
    return module


def test_speed_benchmark_runs_on_a_subset(tmp_path, capsys):
    speed = load_speed()
    cache = tmp_path / "cache"
    # a stand-in for the Home Assistant wheel in the download folder: the script unpacks it, no network
    wheels = cache / "wheels"
    wheels.mkdir(parents=True)
    with zipfile.ZipFile(wheels / "demo-1.0-py3-none-any.whl", "w") as zf:
        for path in sorted((ROOT / "examples").rglob("*.py")):
            zf.write(path, f"demo/{path.relative_to(ROOT / 'examples')}")
        zf.writestr("demo-1.0.dist-info/METADATA", "Name: demo\n")
    corpus = speed.fetch_corpus(cache, "demo", "1.0")
    assert (corpus / "demo" / "service").is_dir() and (corpus / ".unpacked").exists()
    assert speed.fetch_corpus(cache, "demo", "1.0") == corpus  # once

    out = tmp_path / "figures.json"
    keep = tmp_path / "kept"
    assert speed.main(["--corpus", str(corpus), "--subset", "5", "--repeat", "1", "--jobs", "2",
                       "--json", str(out), "--keep", str(keep)]) == 0
    doc = json.loads(out.read_text())
    assert doc["corpus"]["files"] == 5
    assert {"apply_cold", "apply_warm", "libcst", "ruff_cold", "ruff_warm"} <= set(doc["rows"])
    for row in doc["rows"].values():
        assert row["samples"] and all(s["returncode"] in (0, 1) for s in row["samples"]), row
    assert doc["stats"]["apply_cold"]["files"] == 5 and doc["stats"]["apply_warm"]["cache_hits"] > 0
    assert set(doc["ratios"]) == {"cold_vs_libcst", "warm_vs_ruff", "warm_vs_ruff_cached"}
    assert json.loads((keep / "apply.json").read_text())["stats"]["files"] == 5
    printed = capsys.readouterr().out
    assert "cold apply / LibCST no-op:" in printed and "files present 5" in printed

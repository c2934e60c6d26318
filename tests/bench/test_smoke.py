"""The benchmark harness in its smoke mode (tiny counts), so it cannot rot: it starts its own stack, runs
every scenario, prints the table with a verdict per target and writes the results file. Figures from tiny
counts on a shared machine mean nothing; what must hold is that nothing failed and every reminder fired
exactly once."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
pytestmark = [pytest.mark.slow,
              pytest.mark.skipif(os.environ.get("TOKKU_TEST_DATABASE") == "postgres",
                                 reason="the harness starts its own stack on its own SQLite file: run in the SQLite pass")]


def test_smoke_run_writes_results(tmp_path):
    output = tmp_path / "latest.json"
    run = subprocess.run([sys.executable, "-m", "bench", "--scale", "smoke", "--output", str(output)], cwd=ROOT,
                         capture_output=True, text=True, timeout=240)
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
    results = json.loads(output.read_text(encoding="utf-8"))
    assert set(results["scenarios"]) == {"listing", "intake", "decisions", "open"}
    assert results["machine"]["nproc"] >= 1 and results["machine"]["cpu_model"]

    # Both projection modes side by side (TOKKU_PROJECTION_MODE), intake recorded in the API's own transaction
    # (TOKKU_INTAKE_MODE), and intake in one request too.
    for scenario, count in (("intake", 7), ("decisions", 4)):
        phases = results["scenarios"][scenario]["phases"]
        assert len(phases) == count, list(phases)
        for name, phase in phases.items():
            assert phase["errors"] == 0 and phase["ok"] == phase["operations"] > 0, (scenario, name, phase)
            assert phase["p99_ms"] >= phase["p50_ms"] > 0
    assert results["scenarios"]["intake"]["ratio_to_raw"] > 0
    assert results["scenarios"]["decisions"]["p99_ratio_to_raw"] > 0
    for name, phase in results["scenarios"]["intake"]["phases"].items():
        if name.startswith("tokku"):
            assert phase["ratio_to_raw"] > 0 and phase["cpu_ms_per_op"]["worker"] > 0, name
    recorded = results["scenarios"]["intake"]["phases"]["tokku intake, api_transaction mode (create?submit=true)"]
    assert recorded["cpu_ms_per_op"]["api_recorded"] > 0 and recorded["drain_s"] >= 0
    local = results["scenarios"]["decisions"]["phases"]["tokku decision, local_activity mode"]
    assert local["p50_ratio_to_raw"] > 0 and local["cpu_ms_per_op"]["api_local"] > 0

    listing = results["scenarios"]["listing"]
    for name, entry in listing["endpoints"].items():
        for size in map(str, listing["sizes"]):
            assert entry[size]["errors"] == 0 and entry[size]["rows_returned"] > 0, (name, size)
    assert listing["endpoints"]["tasks (inbox page of 50)"][str(listing["sizes"][1])]["rows_returned"] == 50

    open_ = results["scenarios"]["open"]
    reminders, histories = open_["reminders"], open_["histories"]
    assert reminders["fired"] == reminders["due"] == open_["open_applications"]
    assert reminders["twice_or_more"] == 0 and reminders["missing"] == 0 and reminders["early"] == 0
    assert histories["notify_once"] == open_["open_applications"] and histories["open"] == open_["open_applications"]
    assert open_["rss_mib_peak"]["worker"] > 0 and open_["rss_mib_peak"]["temporal"] > 0

    verdicts = [line for line in run.stdout.splitlines() if line.startswith(("PASS ", "FAIL "))]
    # intake: rate and CPU for each of 5 tokku phases; decisions: 2 modes; listing: 2; open: RSS, reminder CPU, once
    assert len(verdicts) == len(results["targets"]) == 17
    assert "CPU ms per operation" in run.stdout
    assert "every due reminder fired, none twice" in run.stdout


def test_the_projection_write_comparison_runs_both_ways(tmp_path):
    output = tmp_path / "transactions.json"
    run = subprocess.run([sys.executable, "-m", "bench.transactions", "--writes", "100", "--output", str(output)],
                         cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
    results = json.loads(output.read_text(encoding="utf-8"))
    assert results["events_written"] == 200  # every write of both ways committed, none lost or doubled
    assert set(results["per_write"]) == {"async driver (before)", "one blocking transaction (after)"}
    assert all(figures["cpu_ms"] > 0 for figures in results["per_write"].values())

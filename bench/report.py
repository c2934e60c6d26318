"""Targets (pass/fail), the printed table, the machine description and the results file."""

from __future__ import annotations

import os
import platform
import subprocess
from pathlib import Path

from services.core.temporal_dev import temporal_binary

GiB = 1024 ** 3


def machine() -> dict:
    meminfo = dict(line.split(":", 1) for line in Path("/proc/meminfo").read_text().splitlines() if ":" in line)
    model = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                  if line.startswith("model name")), platform.processor())
    try:
        temporal = subprocess.run([str(temporal_binary()), "--version"], capture_output=True, text=True,
                                  timeout=10).stdout.strip()
    except Exception as error:  # the version is a label; its absence must not stop the run
        temporal = f"unknown ({error})"
    root = Path(__file__).resolve().parents[1]
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=root, capture_output=True,
                            text=True).stdout.strip()
    return {"nproc": len(os.sched_getaffinity(0)), "memory_gib": round(int(meminfo["MemTotal"].split()[0]) / 1024**2, 1),
            "cpu_model": model, "python": platform.python_version(), "temporal": temporal, "git_commit": commit,
            "loadavg_at_start": [round(value, 2) for value in os.getloadavg()]}


def targets(results: dict) -> list[dict]:
    found = []
    scenarios = results["scenarios"]
    if "intake" in scenarios:
        intake = scenarios["intake"]
        tokku = intake["phases"]["tokku intake (API create + submit)"]
        errors = sum(phase["errors"] for phase in intake["phases"].values())
        found.append({"target": "intake rate ≥ 0.7 × raw start_workflow rate, no error",
                      "value": f"{intake['ratio_to_raw']}× ({tokku['per_s']}/s), {errors} errors",
                      "pass": intake["ratio_to_raw"] is not None and intake["ratio_to_raw"] >= 0.7 and errors == 0})
    if "decisions" in scenarios:
        decisions = scenarios["decisions"]
        errors = sum(phase["errors"] for phase in decisions["phases"].values())
        found.append({"target": "decision p99 ≤ 1.5 × raw execute_update p99",
                      "value": f"{decisions['p99_ratio_to_raw']}×, {errors} errors",
                      "pass": decisions["p99_ratio_to_raw"] is not None and decisions["p99_ratio_to_raw"] <= 1.5
                      and errors == 0})
    if "listing" in scenarios:
        listing = scenarios["listing"]
        large = str(listing["sizes"][1])
        for name, entry in listing["endpoints"].items():
            if not entry["target"]:
                continue
            p99 = entry[large]["p99_ms"]
            ok = (entry["p99_ratio"] is not None and entry["p99_ratio"] <= 1.5 and p99 is not None and p99 < 50
                  and entry[large]["errors"] == 0)
            found.append({"target": f"listing {name}: p99 at {large} ≤ 1.5 × p99 at {listing['sizes'][0]}, < 50 ms",
                          "value": f"{entry['p99_ratio']}×, {p99} ms", "pass": ok})
    if "open" in scenarios:
        open_ = scenarios["open"]
        reminders, histories = open_["reminders"], open_["histories"]
        worker_peak = open_["rss_mib_peak"]["worker"]
        found.append({"target": f"{open_['open_applications']} open in follow-up: worker RSS < 1 GiB",
                      "value": f"{worker_peak} MiB peak (cache {open_['max_cached_workflows']})",
                      "pass": worker_peak * 1024 ** 2 < GiB})
        once = (reminders["missing"] == 0 and reminders["twice_or_more"] == 0 and histories["notify_more"] == 0
                and histories["notify_never"] == 0 and histories["errors"] == 0)
        found.append({"target": "every due reminder fired, none twice",
                      "value": f"{reminders['fired']}/{reminders['due']} fired, {reminders['twice_or_more']} twice; "
                               f"history: {histories['notify_once']} once, {histories['notify_more']} more",
                      "pass": once})
    return found


def table(results: dict) -> str:
    rows = [("scenario", "measure", "tokku", "raw baseline", "engine floor", "ratio")]
    scenarios = results["scenarios"]

    def phase_rows(scenario: str, names: list[str], measure: str, key: str, ratio: str) -> None:
        phases = scenarios[scenario]["phases"]
        values = [phases[name][key] for name in names]
        rows.append((scenario, measure, *(str(value) for value in values), ratio))

    if "intake" in scenarios:
        intake = scenarios["intake"]
        names = ["tokku intake (API create + submit)", "start_workflow (raw baseline)",
                 "update-with-start + 1 activity (engine floor)"]
        c = intake["concurrency"]
        phase_rows("intake", names, f"per s ({c} clients)", "per_s",
                   f"{intake['ratio_to_raw']} raw / {intake['ratio_to_engine_floor']} floor")
        phase_rows("intake", names, "p50 ms", "p50_ms", "")
        phase_rows("intake", names, "p99 ms", "p99_ms", "")
    if "decisions" in scenarios:
        decisions = scenarios["decisions"]
        names = ["tokku decision (API, Update round trip)", "execute_update (raw baseline)",
                 "update + 1 activity (engine floor)"]
        c = decisions["concurrency"]
        phase_rows("decisions", names, f"per s ({c} clients)", "per_s", "")
        phase_rows("decisions", names, "p50 ms", "p50_ms", "")
        phase_rows("decisions", names, "p99 ms", "p99_ms",
                   f"{decisions['p99_ratio_to_raw']} raw / {decisions['p99_ratio_to_engine_floor']} floor")
    if "listing" in scenarios:
        listing = scenarios["listing"]
        small, large = (str(size) for size in listing["sizes"])
        for name, entry in listing["endpoints"].items():
            rows.append(("listing", f"{name} p99 ms at {small} → {large}",
                         f"{entry[small]['p99_ms']} → {entry[large]['p99_ms']}", "", "", str(entry["p99_ratio"])))
    if "open" in scenarios:
        open_ = scenarios["open"]
        reminders = open_["reminders"]
        rows.append(("open", f"{open_['open_applications']} in follow-up: setup s", str(open_["setup_s"]), "", "", ""))
        for name in ("worker", "temporal", "api"):
            rows.append(("open", f"{name} RSS MiB (all open / peak)",
                         f"{open_['rss_mib_all_open'][name]} / {open_['rss_mib_peak'][name]}", "", "", ""))
        rows.append(("open", "reminders fired / due / twice",
                     f"{reminders['fired']} / {reminders['due']} / {reminders['twice_or_more']}", "", "", ""))
        rows.append(("open", "reminder late s (p50 / p99 / max)",
                     f"{reminders['late_s_p50']} / {reminders['late_s_p99']} / {reminders['late_s_max']}", "", "", ""))
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    lines = ["  ".join(cell.ljust(width) for cell, width in zip(row, widths)).rstrip() for row in rows]
    lines.insert(1, "  ".join("-" * width for width in widths))
    lines.append("")
    for target in results["targets"]:
        lines.append(f"{'PASS' if target['pass'] else 'FAIL'}  {target['target']}: {target['value']}")
    return "\n".join(lines)

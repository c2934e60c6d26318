"""Targets (pass/fail), the printed table, the machine description and the results file."""

from __future__ import annotations

import os
import platform
import subprocess
from pathlib import Path

from services.dev.temporal_dev import temporal_binary

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


INTAKE_RAW = "start_workflow (raw baseline)"
INTAKE_FLOOR = "update-with-start + 1 activity (engine floor)"
DECISIONS_RAW = "execute_update (raw baseline)"
DECISIONS_FLOOR = "update + 1 activity (engine floor)"


def intake_tokku(intake: dict) -> list[str]:
    return [name for name in intake["phases"] if name.startswith("tokku")]


def decisions_tokku(decisions: dict) -> list[str]:
    return [name for name in decisions["phases"] if name.startswith("tokku")]


def cpu_table(results: dict) -> str:
    """CPU milliseconds per operation of each process, per intake and decisions phase."""
    columns = ["temporal", "api", "api_local", "api_recorded", "worker", "baseline_worker", "harness"]
    rows = [("phase", *columns, "others (cores)")]
    for scenario in ("intake", "decisions"):
        for name, phase in results["scenarios"].get(scenario, {}).get("phases", {}).items():
            cpu = phase["cpu_ms_per_op"]
            rows.append((name, *(str(cpu.get(column, "")) for column in columns), str(phase["cores_busy_by_others"])))
    if len(rows) == 1:
        return ""
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    lines = ["  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip() for row in rows]
    lines.insert(1, "  ".join("-" * width for width in widths))
    return "CPU ms per operation\n" + "\n".join(lines)


def targets(results: dict) -> list[dict]:
    found = []
    scenarios = results["scenarios"]
    if "intake" in scenarios:
        intake = scenarios["intake"]
        raw = intake["phases"][INTAKE_RAW]
        clients = intake["concurrency"]
        for name in intake_tokku(intake):
            tokku = intake["phases"][name]
            ok = (tokku["ratio_to_raw"] is not None and tokku["ratio_to_raw"] >= 0.30 and tokku["errors"] == 0
                  and raw["errors"] == 0 and tokku["p99_ms"] <= 2000)
            found.append({"target": f"{name}: ≥ 0.30 × raw start_workflow rate, no error, p99 ≤ 2 s at {clients} "
                                    "clients",
                          "value": f"{tokku['ratio_to_raw']}× ({tokku['per_s']}/s), {tokku['errors']} errors, "
                                   f"p99 {tokku['p99_ms']} ms", "pass": ok})
            cpu = tokku["cpu_ms_per_op"]
            found.append({"target": f"{name}: CPU per intake ≤ 9 ms in the worker, ≤ 12 ms in Temporal",
                          "value": f"worker {cpu['worker']} ms, Temporal {cpu['temporal']} ms",
                          "pass": cpu["worker"] <= 9 and cpu["temporal"] <= 12})
    if "decisions" in scenarios:
        decisions = scenarios["decisions"]
        raw = decisions["phases"][DECISIONS_RAW]
        for name in decisions_tokku(decisions):
            tokku = decisions["phases"][name]
            ok = (tokku["p50_ratio_to_raw"] is not None and tokku["p50_ratio_to_raw"] <= 2.0
                  and tokku["p99_ratio_to_raw"] is not None and tokku["p99_ratio_to_raw"] <= 1.5
                  and tokku["errors"] == 0 and raw["errors"] == 0)
            found.append({"target": f"{name}: p50 ≤ 2.0 × and p99 ≤ 1.5 × raw execute_update p50 and p99",
                          "value": f"p50 {tokku['p50_ratio_to_raw']}×, p99 {tokku['p99_ratio_to_raw']}×, "
                                   f"{tokku['errors']} errors", "pass": ok})
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
        worker_ms = open_["reminder_phase"]["cpu_ms_per_op"]["worker"]
        evicted = open_["open_applications"] > open_["max_cached_workflows"]
        found.append({"target": "a reminder on an evicted workflow ≤ 18 ms of worker CPU",
                      "value": f"{worker_ms} ms ({open_['open_applications']} open, cache "
                               f"{open_['max_cached_workflows']}{'' if evicted else ': none evicted'})",
                      "pass": worker_ms <= 18})
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
        c = intake["concurrency"]
        for name in intake_tokku(intake):
            names = [name, INTAKE_RAW, INTAKE_FLOOR]
            tokku = intake["phases"][name]
            label = "intake " + name.removeprefix("tokku intake, ")
            phase_rows("intake", names, f"{label}: per s ({c} clients)", "per_s",
                       f"{tokku['ratio_to_raw']} raw / {tokku['ratio_to_engine_floor']} floor")
            phase_rows("intake", names, f"{label}: p50 ms", "p50_ms", "")
            phase_rows("intake", names, f"{label}: p99 ms", "p99_ms", "")
    if "decisions" in scenarios:
        decisions = scenarios["decisions"]
        c = decisions["concurrency"]
        for name in decisions_tokku(decisions):
            names = [name, DECISIONS_RAW, DECISIONS_FLOOR]
            tokku = decisions["phases"][name]
            label = "decision " + name.removeprefix("tokku decision, ")
            phase_rows("decisions", names, f"{label}: per s ({c} clients)", "per_s", "")
            phase_rows("decisions", names, f"{label}: p50 ms", "p50_ms", f"{tokku['p50_ratio_to_raw']} raw")
            phase_rows("decisions", names, f"{label}: p99 ms", "p99_ms",
                       f"{tokku['p99_ratio_to_raw']} raw / {tokku['p99_ratio_to_engine_floor']} floor")
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
    lines = ["  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip() for row in rows]
    lines.insert(1, "  ".join("-" * width for width in widths))
    lines.append("")
    for target in results["targets"]:
        lines.append(f"{'PASS' if target['pass'] else 'FAIL'}  {target['target']}: {target['value']}")
    return "\n".join(lines)

"""`python -m bench [--scale smoke|full] [--database sqlite|postgres] …`: start the stack, run the scenarios,
print the table with pass/fail per target, write bench/results/latest.json. Exit status 0 when the run
completed (a missed target is a result, not a crash); --strict makes a missed target exit 1."""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import os
import sys
import time
from dataclasses import asdict, dataclass, replace
from datetime import UTC, datetime
from pathlib import Path

from bench import decisions, intake, listing, open_applications
from bench.report import cpu_table, machine, table, targets
from bench.stack import Stack

RESULTS = Path(__file__).resolve().parent / "results" / "latest.json"
SCENARIOS = ("listing", "intake", "decisions", "open")  # listing first: it needs the small table


@dataclass(frozen=True)
class Scale:
    listing_sizes: tuple[int, int]
    listing_requests: int
    intake_count: int
    intake_concurrency: int
    decision_count: int
    decision_concurrency: int
    open_applications: int
    open_concurrency: int
    reminder_rate: float  # reminders falling due per second in the open-applications scenario
    reminder_grace_s: float
    warmup: int


SCALES = {
    # Tiny counts: the suite runs this so the harness cannot rot (tests/bench/test_smoke.py).
    "smoke": Scale(listing_sizes=(100, 1000), listing_requests=20, intake_count=12, intake_concurrency=4,
                   decision_count=8, decision_concurrency=4, open_applications=30, open_concurrency=10,
                   reminder_rate=15, reminder_grace_s=40, warmup=4),
    "full": Scale(listing_sizes=(1000, 100_000), listing_requests=500, intake_count=1000, intake_concurrency=50,
                  decision_count=500, decision_concurrency=10, open_applications=10_000, open_concurrency=50,
                  reminder_rate=15, reminder_grace_s=300, warmup=50),
}


def parse(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.split("\n")[0])
    parser.add_argument("--scale", choices=SCALES, default="full")
    parser.add_argument("--database", choices=("sqlite", "postgres"), default="sqlite",
                        help="postgres: a fresh database on 127.0.0.1:5432, dropped after the run")
    parser.add_argument("--scenarios", default=",".join(SCENARIOS), help=f"comma-separated, of {', '.join(SCENARIOS)}")
    parser.add_argument("--open-applications", type=int, help="applications open in follow-up (full: 10000)")
    parser.add_argument("--concurrency", type=int, help="intake clients (full: 50)")
    parser.add_argument("--intake-count", type=int, help="measured submissions per intake phase (full: 1000)")
    parser.add_argument("--decision-count", type=int, help="measured decisions per decisions phase (full: 500)")
    parser.add_argument("--decision-concurrency", type=int, help="officials deciding at once (full: 10)")
    parser.add_argument("--reminder-rate", type=float, help="reminders falling due per second (full: 15)")
    parser.add_argument("--max-cached-workflows", type=int, default=1000, help="the worker's workflow cache")
    parser.add_argument("--output", type=Path, default=RESULTS)
    parser.add_argument("--keep", action="store_true", help="keep the run directory (logs, databases)")
    parser.add_argument("--profile", action="store_true",
                        help="py-spy the API and worker during the measured intake and decisions (files next to --output)")
    parser.add_argument("--strict", action="store_true", help="exit 1 when a target is missed")
    return parser.parse_args(argv)


async def run(args: argparse.Namespace) -> dict:
    scale = SCALES[args.scale]
    overrides = {"open_applications": args.open_applications, "intake_concurrency": args.concurrency,
                 "decision_concurrency": args.decision_concurrency, "reminder_rate": args.reminder_rate,
                 "intake_count": args.intake_count, "decision_count": args.decision_count}
    scale = replace(scale, **{key: value for key, value in overrides.items() if value is not None})
    chosen = [name.strip() for name in args.scenarios.split(",") if name.strip()]
    unknown = set(chosen) - set(SCENARIOS)
    if unknown:
        raise SystemExit(f"unknown scenario(s): {', '.join(sorted(unknown))}")
    results: dict = {"started_at": datetime.now(UTC).isoformat(), "scale": args.scale,
                     "database": args.database, "config": asdict(scale), "machine": machine(), "scenarios": {}}
    stack = Stack(database=args.database, max_cached_workflows=args.max_cached_workflows, keep=args.keep)
    started = time.perf_counter()
    try:
        await stack.start()
        results["stack"] = {**stack.timings, "run_dir": str(stack.run_dir) if args.keep else None}
        submitted: dict[str, list[int]] = {}  # per projection mode
        profile_dir = args.output.parent if args.profile else None
        for name in (s for s in SCENARIOS if s in chosen):
            print(f"[bench] {name} …", file=sys.stderr, flush=True)
            scenario_started = time.perf_counter()
            if name == "listing":
                outcome = await listing.run(stack, scale.listing_sizes, scale.listing_requests, scale.warmup)
            elif name == "intake":
                outcome = await intake.run(stack, scale.intake_count, scale.intake_concurrency, scale.warmup,
                                           profile_dir)
                submitted = outcome.pop("created_ids")
            elif name == "decisions":
                outcome = await decisions.run(stack, scale.decision_count, scale.decision_concurrency, scale.warmup,
                                              submitted, profile_dir)
            else:
                outcome = await open_applications.run(stack, scale.open_applications, scale.open_concurrency,
                                                      max(scale.warmup, scale.open_applications // 50),
                                                      scale.reminder_rate, scale.reminder_grace_s)
            outcome["scenario_s"] = round(time.perf_counter() - scenario_started, 1)
            results["scenarios"][name] = outcome
    finally:
        await stack.stop()
    results["machine"]["loadavg_at_end"] = [round(value, 2) for value in os.getloadavg()]
    results["total_s"] = round(time.perf_counter() - started, 1)
    results["targets"] = targets(results)
    return results


def main(argv: list[str] | None = None) -> int:
    logging.basicConfig(level=logging.WARNING)
    args = parse(argv)
    results = asyncio.run(run(args))
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(results, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    info = results["machine"]
    print(f"tokku bench — {args.scale}, {args.database}; {info['nproc']} cores ({info['cpu_model']}), "
          f"{info['memory_gib']} GiB; load {info['loadavg_at_start']} → {info['loadavg_at_end']}; "
          f"{results['total_s']} s")
    print(table(results))
    cpu = cpu_table(results)
    if cpu:
        print(f"\n{cpu}")
    print(f"\nresults: {args.output}")
    if args.strict and not all(target["pass"] for target in results["targets"]):
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())

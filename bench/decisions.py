"""Scenario 2: decisions. Officials accept applications at intake review through the API (POST
…/decisions: a Temporal Update whose handler records the transition, then the API reads the application back),
in each projection mode (applications whose workflows were started in that mode: the transition recorded by a
regular activity, or by a local activity); against, in the same run at the same concurrency:

- bare `execute_update` on a waiting trivial workflow (the raw baseline of the target), and
- an update that runs one no-op activity (the same Temporal round trips as a decision, without our code).
"""

from __future__ import annotations

import uuid
from contextlib import nullcontext

from bench.baseline import Waiting
from bench.intake import submit_through_api
from bench.measure import CpuMeter, run_load
from bench.profile import Profile
from bench.stack import BASELINE_QUEUE

ACCEPT = {"step": "intake_review", "outcome": "accept"}


def decide_through_api(stack, headers: dict, application_ids: list[int], mode: str = "activity"):
    http = stack.api(mode)

    async def decide(index: int) -> None:
        response = await http.post(f"/api/v1/applications/{application_ids[index]}/decisions", json=ACCEPT,
                                   headers=headers)
        if response.status_code != 200 or response.json()["status"] != "council_consultation":
            raise RuntimeError(f"decide {response.status_code}: {response.text[:200]}")

    return decide


def update_waiting(stack, workflow_ids: list[str], update):
    async def call(index: int) -> None:
        await stack.client.get_workflow_handle(workflow_ids[index]).execute_update(update, "decided")

    return call


RAW = "execute_update (raw baseline)"
FLOOR = "update + 1 activity (engine floor)"
TOKKU = {"tokku decision, activity mode": "activity", "tokku decision, local_activity mode": "local_activity"}


async def run(stack, count: int, concurrency: int, warmup: int, submitted: dict[str, list[int]] | None = None,
              profile_dir=None) -> dict:
    needed = count + warmup
    submitted = {mode: list((submitted or {}).get(mode, [])) for mode in TOKKU.values()}
    applicant = None
    for mode, ids in submitted.items():
        if len(ids) < needed:  # run on its own: submit what it needs first (not timed)
            applicant = applicant or await stack.sign_in("applicant1")
            await run_load(needed - len(ids), concurrency,
                           await submit_through_api(stack, applicant, f"prep-{uuid.uuid4().hex[:8]}", ids, mode))
    official = await stack.sign_in("kanagawa1")
    run_id = uuid.uuid4().hex[:8]
    waiting = [f"decide-{run_id}-{index}" for index in range(needed)]

    async def start_waiting(index: int) -> None:
        await stack.client.start_workflow(Waiting.run, id=waiting[index], task_queue=BASELINE_QUEUE)

    prepared = await run_load(needed, concurrency, start_waiting)
    if prepared.errors:
        raise RuntimeError(f"could not start the baseline workflows: {prepared.errors[:3]}")

    phases = {RAW: update_waiting(stack, waiting, Waiting.touch),
              **{name: decide_through_api(stack, official, submitted[mode], mode) for name, mode in TOKKU.items()},
              FLOOR: update_waiting(stack, waiting, Waiting.record)}
    results: dict = {"concurrency": concurrency, "phases": {}}
    for name, operation in phases.items():
        # The first `warmup` targets warm up, the next `count` are measured.
        await run_load(warmup, concurrency, operation)
        shifted = _offset(operation, warmup)
        profiling = name in TOKKU and profile_dir is not None
        api = "api_local" if TOKKU.get(name) == "local_activity" else "api"
        profile = Profile({"api": stack.pids[api], "worker": stack.pids["worker"]}, profile_dir,
                          f"decisions-{TOKKU.get(name)}") if profiling else nullcontext()
        with profile, CpuMeter(stack.pids) as cpu:
            load = await run_load(count, concurrency, shifted)
        results["phases"][name] = {**load.summary(), **cpu.summary(count)}
        if profiling:
            results["phases"][name]["profile"] = profile.summary()
    raw = results["phases"][RAW]
    floor = results["phases"][FLOOR]
    for name in TOKKU:
        tokku = results["phases"][name]
        tokku["p50_ratio_to_raw"] = round(tokku["p50_ms"] / raw["p50_ms"], 3) if raw["p50_ms"] else None
        tokku["p99_ratio_to_raw"] = round(tokku["p99_ms"] / raw["p99_ms"], 3) if raw["p99_ms"] else None
        tokku["p99_ratio_to_engine_floor"] = round(tokku["p99_ms"] / floor["p99_ms"], 3) if floor["p99_ms"] else None
    before = results["phases"][next(iter(TOKKU))]
    results["p99_ratio_to_raw"] = before["p99_ratio_to_raw"]  # the design before issue 16
    results["p99_ratio_to_engine_floor"] = before["p99_ratio_to_engine_floor"]
    return results


def _offset(operation, offset: int):
    async def shifted(index: int) -> None:
        await operation(index + offset)

    return shifted

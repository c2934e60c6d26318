"""Scenario 1: intake. Companies create and submit applications through the API (POST /applications, then
POST …/submit, which starts the workflow with update-with-start and waits for its first transition), from
many concurrent clients; against, in the same run and on the same server at the same concurrency:

- `start_workflow` of a trivial workflow (the raw baseline of the target), and
- update-with-start of a waiting workflow whose update runs one no-op activity (the same Temporal round
  trips as a submission, without our API, database or workflow code: the engine's floor for this shape).
"""

from __future__ import annotations

import uuid
from contextlib import nullcontext

from temporalio.client import WithStartWorkflowOperation
from temporalio.common import WorkflowIDConflictPolicy

from bench.baseline import Trivial, Waiting
from bench.content import intake_body
from bench.measure import CpuMeter, run_load
from bench.profile import Profile
from bench.stack import BASELINE_QUEUE


async def submit_through_api(stack, headers: dict, run_id: str, created: list[int]):
    body = intake_body()

    async def intake(index: int) -> None:
        response = await stack.http.post("/api/v1/applications", json=body,
                                         headers={**headers, "Idempotency-Key": f"{run_id}-{index}"})
        if response.status_code != 201:
            raise RuntimeError(f"create {response.status_code}: {response.text[:200]}")
        application_id = response.json()["id"]
        response = await stack.http.post(f"/api/v1/applications/{application_id}/submit", headers=headers)
        if response.status_code != 200 or response.json()["status"] != "intake_review":
            raise RuntimeError(f"submit {response.status_code}: {response.text[:200]}")
        created.append(application_id)

    return intake


def start_trivial(stack, run_id: str):
    async def start(index: int) -> None:
        await stack.client.start_workflow(Trivial.run, id=f"trivial-{run_id}-{index}", task_queue=BASELINE_QUEUE)

    return start


def update_with_start(stack, run_id: str):
    async def start(index: int) -> None:
        workflow_id = f"waiting-{run_id}-{index}"
        operation = WithStartWorkflowOperation(Waiting.run, id=workflow_id, task_queue=BASELINE_QUEUE,
                                               id_conflict_policy=WorkflowIDConflictPolicy.USE_EXISTING)
        await stack.client.execute_update_with_start_workflow(Waiting.record, "submitted",
                                                              start_workflow_operation=operation, id="submit")

    return start


async def run(stack, count: int, concurrency: int, warmup: int, profile_dir=None) -> dict:
    """Returns the figures; the applications created stay at intake_review for the decisions scenario."""
    headers = await stack.sign_in("applicant1")
    created: list[int] = []
    phases = {
        "start_workflow (raw baseline)": lambda run_id: start_trivial(stack, run_id),
        "update-with-start + 1 activity (engine floor)": lambda run_id: update_with_start(stack, run_id),
    }
    results: dict = {"concurrency": concurrency, "phases": {}}
    # Each phase gets its own warm-up right before it; the raw baseline runs first and tokku between the two
    # baselines, so drift over the run (the Temporal database grows) does not favour tokku.
    order = ["start_workflow (raw baseline)", "tokku intake (API create + submit)",
             "update-with-start + 1 activity (engine floor)"]
    for name in order:
        run_id = uuid.uuid4().hex[:8]
        if name.startswith("tokku"):
            warm_ids: list[int] = []
            await run_load(warmup, concurrency, await submit_through_api(stack, headers, f"warm-{run_id}", warm_ids))
            operation = await submit_through_api(stack, headers, run_id, created)
        else:
            await run_load(warmup, concurrency, phases[name](f"warm-{run_id}"))
            operation = phases[name](run_id)
        profiling = name.startswith("tokku") and profile_dir is not None
        profile = Profile({"api": stack.pids["api"], "worker": stack.pids["worker"]}, profile_dir, "intake") \
            if profiling else nullcontext()
        with profile, CpuMeter(stack.pids) as cpu:
            load = await run_load(count, concurrency, operation)
        results["phases"][name] = {**load.summary(), **cpu.summary(count)}
        if profiling:
            results["phases"][name]["profile"] = profile.summary()
    tokku = results["phases"]["tokku intake (API create + submit)"]
    raw = results["phases"]["start_workflow (raw baseline)"]
    floor = results["phases"]["update-with-start + 1 activity (engine floor)"]
    results["ratio_to_raw"] = round(tokku["per_s"] / raw["per_s"], 3) if raw["per_s"] else None
    results["ratio_to_engine_floor"] = round(tokku["per_s"] / floor["per_s"], 3) if floor["per_s"] else None
    results["created_ids"] = created
    return results

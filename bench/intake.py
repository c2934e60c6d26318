"""Scenario 1: intake. Companies create and submit applications through the API (POST /applications, then
POST …/submit, which starts the workflow with update-with-start and waits for its first transition), from
many concurrent clients, in each projection mode (TOKKU_PROJECTION_MODE: the transition recorded by a regular
activity, the design before issue 16, or by a local activity), and with the submission recorded in the API's own
transaction and the workflow started from it (TOKKU_INTAKE_MODE=api_transaction); in two requests and in one
(POST /applications?submit=true); against, in the same run and on the same server at the same concurrency:

- `start_workflow` of a trivial workflow (the raw baseline of the target), and
- update-with-start of a waiting workflow whose update runs one no-op activity (the same Temporal round
  trips as a submission before issue 16, without our API, database or workflow code: the engine's floor for
  that shape).
"""

from __future__ import annotations

import uuid
from contextlib import nullcontext

from temporalio.client import WithStartWorkflowOperation
from temporalio.common import WorkflowIDConflictPolicy

from bench.baseline import Trivial, Waiting
from bench.content import intake_body
from bench.measure import CpuMeter, run_load, settle
from bench.profile import Profile
from bench.stack import BASELINE_QUEUE


async def submit_through_api(stack, headers: dict, run_id: str, created: list[int], mode: str = "activity",
                             one_request: bool = False):
    """Create and submit through the API of that projection mode: two requests, or one (`?submit=true`)."""
    body = intake_body()
    http = stack.api(mode)

    async def intake(index: int) -> None:
        key = {**headers, "Idempotency-Key": f"{run_id}-{index}"}
        if one_request:
            response = await http.post("/api/v1/applications?submit=true", json=body, headers=key)
            if response.status_code != 201 or response.json()["status"] != "intake_review":
                raise RuntimeError(f"create and submit {response.status_code}: {response.text[:200]}")
            created.append(response.json()["id"])
            return
        response = await http.post("/api/v1/applications", json=body, headers=key)
        if response.status_code != 201:
            raise RuntimeError(f"create {response.status_code}: {response.text[:200]}")
        application_id = response.json()["id"]
        response = await http.post(f"/api/v1/applications/{application_id}/submit", headers=headers)
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


RAW = "start_workflow (raw baseline)"
FLOOR = "update-with-start + 1 activity (engine floor)"
# name: (projection mode, one request); the first is the design before issue 16.
TOKKU = {"tokku intake, activity mode (create + submit)": ("activity", False),
         "tokku intake, local_activity mode (create + submit)": ("local_activity", False),
         "tokku intake, local_activity mode (create?submit=true)": ("local_activity", True),
         "tokku intake, api_transaction mode (create + submit)": ("api_transaction", False),
         "tokku intake, api_transaction mode (create?submit=true)": ("api_transaction", True)}
API_PROCESS = {"activity": "api", "local_activity": "api_local", "api_transaction": "api_recorded"}


async def run(stack, count: int, concurrency: int, warmup: int, profile_dir=None) -> dict:
    """Returns the figures; the applications created stay at intake_review for the decisions scenario
    (`created_ids`: per projection mode)."""
    headers = await stack.sign_in("applicant1")
    created: dict[str, list[int]] = {mode: [] for mode in API_PROCESS}
    phases = {RAW: lambda run_id: start_trivial(stack, run_id), FLOOR: lambda run_id: update_with_start(stack, run_id)}
    results: dict = {"concurrency": concurrency, "phases": {}}
    # Each phase gets its own warm-up right before it; the raw baseline runs first and tokku between the two
    # baselines, so drift over the run (the Temporal database grows) does not favour tokku.
    for name in [RAW, *TOKKU, FLOOR]:
        run_id = uuid.uuid4().hex[:8]
        if name in TOKKU:
            mode, one_request = TOKKU[name]
            warm_ids: list[int] = []
            await run_load(warmup, concurrency, await submit_through_api(stack, headers, f"warm-{run_id}", warm_ids,
                                                                         mode, one_request))
            operation = await submit_through_api(stack, headers, run_id, created[mode], mode, one_request)
        else:
            await run_load(warmup, concurrency, phases[name](f"warm-{run_id}"))
            operation = phases[name](run_id)
        profiling = name in TOKKU and profile_dir is not None
        api = API_PROCESS[TOKKU[name][0]] if name in TOKKU else "api"
        profile = Profile({"api": stack.pids[api], "worker": stack.pids["worker"]}, profile_dir,
                          f"intake-{TOKKU[name][0]}{'-one' if TOKKU[name][1] else ''}") \
            if profiling else nullcontext()
        with profile, CpuMeter(stack.pids) as cpu:
            load = await run_load(count, concurrency, operation)
            # A start answers before the workflow's first task has run (the raw baseline's, and in the
            # api_transaction mode ours): that work is counted too, by waiting until the workers are idle.
            drain = await settle({name: stack.pids[name] for name in ("temporal", "worker", "baseline_worker")})
        results["phases"][name] = {**load.summary(), **cpu.summary(count), "drain_s": round(drain, 2)}
        if profiling:
            results["phases"][name]["profile"] = profile.summary()
    raw = results["phases"][RAW]
    floor = results["phases"][FLOOR]
    for name in TOKKU:
        tokku = results["phases"][name]
        tokku["ratio_to_raw"] = round(tokku["per_s"] / raw["per_s"], 3) if raw["per_s"] else None
        tokku["ratio_to_engine_floor"] = round(tokku["per_s"] / floor["per_s"], 3) if floor["per_s"] else None
    before = results["phases"][next(iter(TOKKU))]
    results["ratio_to_raw"] = before["ratio_to_raw"]  # the design before issue 16, as earlier results name it
    results["ratio_to_engine_floor"] = before["ratio_to_engine_floor"]
    results["created_ids"] = created
    return results

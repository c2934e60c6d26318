"""Acceptance (issue 11, point 3): a filing round interrupted halfway — its `tokku worker` process killed with
SIGKILL while the round's decisions are in flight — completes by itself on the next worker, nobody posting
again, with each application decided once. The same for the round's certification (one application
returned with it). Real parts: `tokku worker` processes, the API on uvicorn (set not to wait for the round,
it answers 202 at once and is stopped before the kill: only workers carry the round), the session's Temporal
server and database, on a task queue of its own."""

from __future__ import annotations

import asyncio
import os
import signal
import time
import uuid
from collections import Counter
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import httpx
import pytest
import uvicorn
from sqlalchemy import select

from services.api.app import create_app
from services.core.applications.models import ApplicationStatus, Event
from services.core.applications.schemas import ApplicationContent, DecisionRequest
from services.core.applications.service import ApplicationService
from services.core.rounds.models import FilingRound
from services.dev.temporal_dev import free_port
from tests.conftest import sign_in
from tests.factories import COUNCIL_AGREE, application_body
from tests.infra.conftest import start_tokku, stop_process

pytestmark = pytest.mark.slow

ROUND_SIZE = 12
FILE = {"filed_on": "令和4年9月5日", "reference": "川崎市 計画変更申請 R4-中断"}
CERTIFY = {"certified_on": "2022-09-30", "reference": "府地事第456号"}


@asynccontextmanager
async def api(settings) -> AsyncIterator[httpx.AsyncClient]:
    """The real API on uvicorn, in this event loop, with the given settings."""
    server = uvicorn.Server(uvicorn.Config(create_app(settings), host="127.0.0.1", port=settings.api_port,
                                           log_level="warning", lifespan="on"))
    task = asyncio.create_task(server.serve())
    while not server.started:
        if task.done():
            task.result()
        await asyncio.sleep(0.02)
    try:
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{settings.api_port}", timeout=60) as http:
            yield http
    finally:
        server.should_exit = True
        await task


async def at_local_filing(service: ApplicationService, users, count: int) -> list[int]:
    """Applications of applicant1 (殿町, Kawasaki) through intake and the council."""
    ids = []
    for index in range(count):
        content = ApplicationContent.model_validate(application_body(project_name=f"中断ラウンド事業{index + 1}"))
        draft, _ = await service.create_draft(users["applicant1"], content)
        ids.append(draft.id)

    async def through_council(application_id: int) -> None:
        await service.submit(users["applicant1"], application_id)
        await service.decide(users["kawasaki1"], application_id,
                             DecisionRequest.model_validate({"step": "intake_review", "outcome": "accept"}))
        await service.decide(users["secretariat1"], application_id, DecisionRequest.model_validate(COUNCIL_AGREE))

    await asyncio.gather(*(through_council(i) for i in ids))
    return ids


async def decisions(sessions, ids: list[int], step: str) -> list[tuple[int, str]]:
    async with sessions() as session:
        rows = (await session.execute(select(Event.application_id, Event.outcome).where(
            Event.application_id.in_(ids), Event.kind == "decision", Event.step == step))).all()
    return sorted((application_id, outcome) for application_id, outcome in rows)


async def kill_mid_round(worker, sessions, ids: list[int], step: str) -> int:
    """SIGKILL the worker as soon as some of the round's decisions are recorded; how many were when it died."""
    deadline = time.monotonic() + 60
    while not await decisions(sessions, ids, step):
        assert worker.poll() is None, "the worker died on its own"
        assert time.monotonic() < deadline, f"no {step} decision within 60 s"
        await asyncio.sleep(0.02)
    os.killpg(worker.pid, signal.SIGKILL)
    worker.wait()
    made = len(await decisions(sessions, ids, step))
    assert 0 < made < len(ids), f"the kill must land mid-round: {made} of {len(ids)} decided"
    return made


async def read_round(sessions, round_id: int) -> FilingRound:
    async with sessions() as session:
        return await session.get(FilingRound, round_id)


async def round_reaches(sessions, round_id: int, status: str, timeout: float = 150) -> FilingRound:
    deadline = time.monotonic() + timeout
    while True:
        filing_round = await read_round(sessions, round_id)
        if filing_round.status == status:
            return filing_round
        assert time.monotonic() < deadline, f"round {round_id} is still {filing_round.status} after {timeout} s"
        await asyncio.sleep(0.25)


async def statuses(sessions, ids: list[int]) -> dict[int, str]:
    async with sessions() as session:
        rows = (await session.execute(select(ApplicationStatus.application_id, ApplicationStatus.status).where(
            ApplicationStatus.application_id.in_(ids)))).all()
    return dict(rows)


async def test_round_interrupted_by_a_killed_worker_finishes_by_itself(settings, sessions, temporal_client,
                                                                       demo_users, run_dir):
    isolated = settings.model_copy(update={"task_queue": f"tokku-round-kill-{uuid.uuid4().hex[:8]}",
                                           "api_port": free_port(), "round_wait_seconds": 0})
    log_path = run_dir / "round-worker-kill.log"
    worker = start_tokku("worker", isolated, log_path)
    try:
        ids = await at_local_filing(ApplicationService(sessions, temporal_client, isolated), demo_users, ROUND_SIZE)
        returned_id = ids[5]
        async with api(isolated) as http:
            kawasaki = await sign_in(http, "kawasaki1")
            created = await kawasaki.post("/rounds", {"title": "中断されるラウンド", "application_ids": ids})
            assert created.status_code == 201, created.text
            round_id = created.json()["id"]
            filing = await kawasaki.post(f"/rounds/{round_id}/file", FILE)
            assert filing.status_code == 202 and filing.json()["status"] == "filing", filing.text
        # The API is gone from here on: only workers carry the round. One is killed halfway, the next finishes.
        await kill_mid_round(worker, sessions, ids, "local_filing")
        assert (await read_round(sessions, round_id)).status == "filing"
        await asyncio.sleep(1.0)
        worker = start_tokku("worker", isolated, log_path)
        filed = await round_reaches(sessions, round_id, "filed")
        assert filed.filed_at is not None
        assert await decisions(sessions, ids, "local_filing") == [(i, "file") for i in sorted(ids)]
        assert await statuses(sessions, ids) == dict.fromkeys(ids, "national_review")

        # Certification, one application returned with it: killed halfway again, finished again.
        async with api(isolated) as http:
            cao = await sign_in(http, "cao1")
            shown = (await cao.get(f"/rounds/{round_id}")).json()
            assert [a["state"] for a in shown["applications"]] == ["filed"] * ROUND_SIZE
            certifying = await cao.post(f"/rounds/{round_id}/certify", {
                **CERTIFY, "returns": [{"application_id": returned_id, "reason": "取得価額の根拠を補足してください"}]})
            assert certifying.status_code == 202 and certifying.json()["status"] == "certifying", certifying.text
        await kill_mid_round(worker, sessions, ids, "national_review")
        await asyncio.sleep(1.0)
        worker = start_tokku("worker", isolated, log_path)
        certified = await round_reaches(sessions, round_id, "certified")
        assert certified.certified_at is not None
        reviews = await decisions(sessions, ids, "national_review")
        assert Counter(application_id for application_id, _ in reviews) == dict.fromkeys(ids, 1)
        assert dict(reviews) == {i: "return" if i == returned_id else "certify" for i in ids}
        assert await statuses(sessions, ids) == {i: "revision_requested" if i == returned_id else "designation"
                                                 for i in ids}

        # Posting again afterwards joins the finished round: 200, and still one decision each.
        async with api(isolated) as http:
            again = await (await sign_in(http, "cao1")).post(f"/rounds/{round_id}/certify", CERTIFY)
            assert again.status_code == 200 and again.json()["status"] == "certified", again.text
            assert [a["state"] for a in again.json()["applications"]].count("certified") == ROUND_SIZE - 1
        assert await decisions(sessions, ids, "national_review") == reviews
        assert await decisions(sessions, ids, "local_filing") == [(i, "file") for i in sorted(ids)]
    finally:
        stop_process(worker)

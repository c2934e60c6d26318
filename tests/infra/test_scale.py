"""Horizontal scale: two API processes and two worker processes on one Temporal server and one PostgreSQL
database. 200 applications go through submission and three decisions, their requests spread over both APIs
(a token from one API is honoured by the other); one worker is killed (SIGKILL) midway. Every application
ends at its expected status, with each event recorded exactly once."""

from __future__ import annotations

import asyncio
import os
import secrets
import signal
import time
import uuid
from collections import Counter

import httpx
import pytest
from sqlalchemy import func, select

from services.core.applications.models import ApplicationStatus, Decision, Event
from services.core.platform.db import create_engine, session_factory
from services.core.platform.migrate import upgrade
from services.core.platform.settings import Settings
from services.dev.demo_seed import DEMO_PASSWORD, create_demo_accounts
from services.dev.temporal_dev import DevServer, free_port
from tests.factories import COUNCIL_AGREE, LOCAL_FILE, application_body
from tests.infra.conftest import start_tokku, stop_process, wait_until_ready

pytestmark = pytest.mark.slow

APPLICATIONS = 200
CONCURRENCY = 24
STEPS = [("kawasaki1", {"step": "intake_review", "outcome": "accept"}), ("secretariat1", COUNCIL_AGREE),
         ("kawasaki1", LOCAL_FILE)]
EXPECTED_STATUS = "national_review"
EXPECTED_EVENTS = [(1, "submitted", None), (2, "decision", "intake_review"),
                   (3, "decision", "council_consultation"), (4, "decision", "local_filing")]


@pytest.fixture
def only_in_the_postgresql_pass():
    # The drill brings its own PostgreSQL database; running it in both passes of scripts/test would only
    # repeat it. Run it by hand with TOKKU_TEST_DATABASE=postgres.
    if os.environ.get("TOKKU_TEST_DATABASE") != "postgres":
        pytest.skip("the scale drill runs in the PostgreSQL pass (TOKKU_TEST_DATABASE=postgres; scripts/test runs it)")


async def test_two_apis_two_workers_200_applications_one_worker_killed(only_in_the_postgresql_pass,
                                                                       scratch_postgres, tmp_path):
    database_url = scratch_postgres("scale")
    await asyncio.to_thread(upgrade, database_url)
    engine = create_engine(database_url)
    sessions = session_factory(engine)
    await create_demo_accounts(sessions)

    temporal = DevServer(db_file=None, log_file=tmp_path / "temporal.log")  # in memory: the drill, not durability
    await temporal.start()
    settings = Settings(mode="production", secret_key=secrets.token_urlsafe(40), var_dir=tmp_path,
                        database_url=database_url, temporal_address=temporal.address,
                        task_queue=f"tokku-scale-{uuid.uuid4().hex[:8]}")
    # The demo officials sign in with their password alone (the second factor has its own tests).
    shared = {"TOKKU_MODE": "production", "TOKKU_SECRET_KEY": settings.secret_key.get_secret_value(),
              "TOKKU_OFFICIALS_SECOND_FACTOR": "false",
              "TOKKU_LOG_LEVEL": "INFO"}
    workers = [start_tokku("worker", settings, tmp_path / f"worker{n}.log", **shared) for n in (1, 2)]
    ports = [free_port(), free_port()]
    apis = [start_tokku("api", settings, tmp_path / f"api{n}.log", TOKKU_API_PORT=str(port), TOKKU_API_WORKERS="1",
                        **shared) for n, port in enumerate(ports, start=1)]
    bases = [f"http://127.0.0.1:{port}" for port in ports]
    started = time.monotonic()
    try:
        await asyncio.gather(*(wait_until_ready(base, api) for base, api in zip(bases, apis, strict=True)))
        limits = httpx.Limits(max_connections=CONCURRENCY)
        clients = [httpx.AsyncClient(base_url=f"{base}/api/v1", timeout=120, limits=limits) for base in bases]
        served = Counter()

        async def call(n: int, method: str, path: str, token: dict, **kwargs) -> dict:
            # A client behind a proxy retries a request whose connection dropped; the Idempotency-Key makes the
            # retry return the first answer instead of deciding twice.
            headers = {**token, "Idempotency-Key": f"scale-{method}-{path}-{uuid.uuid4().hex}"}
            for attempt in range(3):
                try:
                    response = await clients[n % 2].request(method, path, headers=headers, **kwargs)
                    break
                except (httpx.ReadError, httpx.RemoteProtocolError):
                    if attempt == 2:
                        raise
            assert response.status_code in (200, 201), (method, path, response.status_code, response.text)
            served[n % 2] += 1
            return response.json()

        tokens = {}
        for n, username in enumerate(["applicant1", "kawasaki1", "secretariat1"]):  # signed in on either API
            answer = await clients[n % 2].post("/auth/token", data={"username": username, "password": DEMO_PASSWORD})
            tokens[username] = {"Authorization": f"Bearer {answer.json()['access_token']}"}

        decided = 0
        halfway = asyncio.Event()
        gate = asyncio.Semaphore(CONCURRENCY)

        async def journey(i: int) -> int:
            nonlocal decided
            async with gate:
                created = await call(i, "POST", "/applications", tokens["applicant1"], json=application_body())
                application_id = created["id"]
                await call(i + 1, "POST", f"/applications/{application_id}/submit", tokens["applicant1"])
                for step, (username, body) in enumerate(STEPS):
                    state = await call(i + step, "POST", f"/applications/{application_id}/decisions",
                                       tokens[username], json=body)
                    decided += 1
                    if decided >= APPLICATIONS * len(STEPS) // 2:
                        halfway.set()
                assert state["status"] == EXPECTED_STATUS
                return application_id

        journeys = asyncio.gather(*(journey(i) for i in range(APPLICATIONS)))
        await asyncio.wait_for(halfway.wait(), timeout=120)
        killed_at = decided
        os.killpg(workers[0].pid, signal.SIGKILL)
        workers[0].wait()
        ids = await asyncio.wait_for(journeys, timeout=150)
        assert 0 < killed_at < APPLICATIONS * len(STEPS), "the kill must land mid-run"
        assert len(set(ids)) == APPLICATIONS
        assert served[0] > APPLICATIONS and served[1] > APPLICATIONS  # both APIs carried the load

        # What the APIs answer, spread over both
        statuses = await asyncio.gather(*(call(i, "GET", f"/applications/{application_id}", tokens["kawasaki1"])
                                          for i, application_id in enumerate(ids)))
        assert {body["status"] for body in statuses} == {EXPECTED_STATUS}
        assert all([(e["seq"], e["kind"], e["step"]) for e in body["events"]] == EXPECTED_EVENTS for body in statuses)
        for client in clients:
            await client.aclose()

        # What the database holds: each event and decision exactly once
        async with sessions() as session:
            status_rows = dict((await session.execute(
                select(ApplicationStatus.application_id, ApplicationStatus.status)
                .where(ApplicationStatus.application_id.in_(ids)))).all())
            events = (await session.execute(select(Event.application_id, Event.seq, Event.kind, Event.step)
                                            .where(Event.application_id.in_(ids)))).all()
            decisions = (await session.scalar(select(func.count()).select_from(Decision)
                                              .where(Decision.application_id.in_(ids))))
        assert Counter(status_rows.values()) == {EXPECTED_STATUS: APPLICATIONS}
        per_application: dict[int, list] = {}
        for application_id, seq, kind, step in sorted(events):
            per_application.setdefault(application_id, []).append((seq, kind, step))
        assert all(per_application[i] == EXPECTED_EVENTS for i in ids)
        assert len(events) == APPLICATIONS * len(EXPECTED_EVENTS)
        assert decisions == APPLICATIONS * len(STEPS)

        # Both workers worked; the survivor finished what the killed one had started.
        killed_log = (tmp_path / "worker1.log").read_text(encoding="utf-8")
        survivor_log = (tmp_path / "worker2.log").read_text(encoding="utf-8")
        assert "recorded " in killed_log and "recorded " in survivor_log
        print(f"scale drill: {APPLICATIONS} applications × {1 + len(STEPS)} steps in "
              f"{time.monotonic() - started:.1f}s; worker killed after {killed_at} decisions; "
              f"requests per API {dict(served)}")
    finally:
        for process in [*apis, *workers]:
            stop_process(process)
        temporal.stop()
        await engine.dispose()

"""The process-faults drill: 200 applications are created, submitted and decided through the real `tokku api`
while the real `tokku worker` is killed (SIGKILL), then the API is killed (SIGKILL), then the Temporal dev
server is killed and started again on the same database file. The client does what a careful client does:
every write carries an Idempotency-Key and is retried with that same key until it gets an answer.

Afterwards every application is at its expected status, each event is in the audit trail exactly once, and
each reminder (a revision deadline's, due ~25 s after the return) was stored exactly once.

The drill has its own database (SQLite file, or a PostgreSQL database of its own when
TOKKU_TEST_DATABASE=postgres), its own Temporal server and its own processes: the session's are untouched.
"""

from __future__ import annotations

import asyncio
import os
import secrets
import signal
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field

import httpx
import psycopg
import pytest
from sqlalchemy import func, select

from services.core.applications.models import Application, ApplicationStatus, Event
from services.core.notifications.models import Notification
from services.core.platform.db import create_engine, session_factory
from services.core.platform.migrate import upgrade
from services.core.platform.settings import Settings
from services.dev.demo_seed import DEMO_PASSWORD, create_demo_accounts
from services.dev.temporal_dev import DevServer, free_port
from tests.factories import COUNCIL_AGREE, LOCAL_FILE, application_body
from tests.infra.conftest import ADMIN_DSN, postgres_unreachable, start_tokku, stop_process, wait_until_ready

pytestmark = pytest.mark.slow

APPLICATIONS = 200
CONCURRENCY = 16
REVISION_DAYS = 30
REMINDER_AFTER_SECONDS = 25  # the revision deadline's one reminder fires this long after the return
ACCEPT = {"step": "intake_review", "outcome": "accept"}
RETURN = {"step": "intake_review", "outcome": "return", "reason": "添付書類が不足しています"}
PLANS = {  # path: (decisions, final status, events as (seq, kind, step), reminders)
    "forward": ([("kawasaki1", ACCEPT), ("secretariat1", COUNCIL_AGREE), ("kawasaki1", LOCAL_FILE)],
                "national_review", [(1, "submitted", None), (2, "decision", "intake_review"),
                                    (3, "decision", "council_consultation"), (4, "decision", "local_filing")], 0),
    "returned": ([("kawasaki1", RETURN)], "revision_requested",
                 [(1, "submitted", None), (2, "decision", "intake_review")], 1),
    "withdrawn": ([("applicant1", "withdraw")], "withdrawn",
                  [(1, "submitted", None), (2, "withdrawn", "intake_review")], 0),
}


def plan_of(index: int) -> str:
    return "returned" if index % 4 == 1 else "withdrawn" if index % 10 == 3 else "forward"


@dataclass
class Client:
    """Sends each write with an Idempotency-Key and retries it, same key, through any outage."""

    base: str
    tokens: dict[str, dict]
    http: httpx.AsyncClient = None
    done: int = 0
    retries: Counter = field(default_factory=Counter)

    async def write(self, username: str, path: str, body: dict | None = None) -> dict:
        headers = {**self.tokens[username], "Idempotency-Key": str(uuid.uuid4())}
        deadline = time.monotonic() + 150
        while True:
            try:
                response = await self.http.post(f"{self.base}/api/v1{path}", json=body, headers=headers)
                if response.status_code < 500:
                    assert response.status_code in (200, 201), (path, response.status_code, response.text)
                    self.done += 1
                    return response.json()
                self.retries[f"{response.status_code}"] += 1
            except httpx.TransportError as error:  # the API is down, or died mid-request
                self.retries[type(error).__name__] += 1
            assert time.monotonic() < deadline, f"{path} got no answer in 150 s"
            await asyncio.sleep(0.25)


@pytest.fixture
def drill_database(tmp_path):
    if os.environ.get("TOKKU_TEST_DATABASE") != "postgres":
        yield f"sqlite+aiosqlite:///{tmp_path / 'drill.db'}"
        return
    reason = postgres_unreachable()
    if reason:
        pytest.skip(reason)
    name = f"tokku_faults_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(ADMIN_DSN, autocommit=True) as connection:
        connection.execute(f'CREATE DATABASE "{name}"')
    yield f"postgresql+psycopg://postgres@127.0.0.1:5432/{name}"
    with psycopg.connect(ADMIN_DSN, autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def kill(process) -> None:
    os.killpg(process.pid, signal.SIGKILL)
    process.wait()


async def test_kill_worker_api_and_temporal_during_a_burst(drill_database, tmp_path):
    started = time.monotonic()
    await asyncio.to_thread(upgrade, drill_database)
    engine = create_engine(drill_database)
    sessions = session_factory(engine)
    await create_demo_accounts(sessions)
    temporal = DevServer(db_file=tmp_path / "temporal.db", log_file=tmp_path / "temporal.log")
    await temporal.start()
    settings = Settings(mode="production", secret_key=secrets.token_urlsafe(40), var_dir=tmp_path,
                        database_url=drill_database, temporal_address=temporal.address,
                        task_queue=f"tokku-faults-{uuid.uuid4().hex[:8]}", api_port=free_port())
    lead = REVISION_DAYS - REMINDER_AFTER_SECONDS / 86400
    # Production mode, but the demo officials sign in with their password alone: this drill is about process
    # faults; the second factor has its own tests (tests/accounts).
    environment = {"TOKKU_MODE": "production", "TOKKU_SECRET_KEY": settings.secret_key.get_secret_value(),
                   "TOKKU_OFFICIALS_SECOND_FACTOR": "false",
                   "TOKKU_REVISION_DEADLINE_DAYS": str(REVISION_DAYS), "TOKKU_REMINDER_LEAD_DAYS": f"[{lead}]",
                   "TOKKU_API_PORT": str(settings.api_port), "TOKKU_LOG_LEVEL": "WARNING"}
    worker = start_tokku("worker", settings, tmp_path / "worker.log", **environment)
    api = start_tokku("api", settings, tmp_path / "api.log", **environment)
    base = f"http://127.0.0.1:{settings.api_port}"
    faults: list[str] = []
    try:
        await wait_until_ready(base, api)
        async with httpx.AsyncClient(timeout=30, limits=httpx.Limits(max_connections=CONCURRENCY)) as http:
            tokens = {}
            for username in ("applicant1", "kawasaki1", "secretariat1"):
                answer = await http.post(f"{base}/api/v1/auth/token",
                                         data={"username": username, "password": DEMO_PASSWORD})
                tokens[username] = {"Authorization": f"Bearer {answer.json()['access_token']}"}
            client = Client(base, tokens, http)
            total = sum(2 + len(PLANS[plan_of(i)][0]) for i in range(APPLICATIONS))
            gate = asyncio.Semaphore(CONCURRENCY)

            async def journey(index: int) -> tuple[int, str, str]:
                async with gate:
                    plan = plan_of(index)
                    created = await client.write("applicant1", "/applications", application_body())
                    application_id = created["id"]
                    state = await client.write("applicant1", f"/applications/{application_id}/submit")
                    for username, body in PLANS[plan][0]:
                        if body == "withdraw":
                            state = await client.write(username, f"/applications/{application_id}/withdraw",
                                                       {"reason": "訓練"})
                        else:
                            state = await client.write(username, f"/applications/{application_id}/decisions", body)
                    return application_id, plan, state["status"]

            journeys = asyncio.gather(*(journey(i) for i in range(APPLICATIONS)))

            async def when_done(share: float) -> None:
                while client.done < total * share:
                    await asyncio.sleep(0.05)

            async def inflict() -> None:
                nonlocal worker, api
                await when_done(0.2)
                kill(worker)
                faults.append(f"worker SIGKILL after {client.done}/{total} requests")
                await asyncio.sleep(1)
                worker = start_tokku("worker", settings, tmp_path / "worker.log", **environment)
                await when_done(0.45)
                kill(api)
                faults.append(f"API SIGKILL after {client.done}/{total} requests")
                await asyncio.sleep(1)
                api = start_tokku("api", settings, tmp_path / "api.log", **environment)
                await when_done(0.7)
                kill(temporal.process)
                faults.append(f"Temporal dev server SIGKILL after {client.done}/{total} requests")
                await asyncio.sleep(1)
                await temporal.start()  # same port, same database file

            await asyncio.wait_for(asyncio.gather(journeys, inflict()), timeout=240)
            results = journeys.result()

        # --- what was kept ------------------------------------------------------------------------------
        ids = {application_id: plan for application_id, plan, _ in results}
        assert len(ids) == APPLICATIONS, "each create, retried or not, made one application"
        assert all(status == PLANS[plan][1] for _, plan, status in results)
        returned = [i for i, plan in ids.items() if plan == "returned"]
        deadline = time.monotonic() + REMINDER_AFTER_SECONDS + 60
        while True:  # the last returns' reminders come ~25 s after them
            async with sessions() as session:
                reminded = await session.scalar(select(func.count(func.distinct(Notification.application_id)))
                                                .where(Notification.application_id.in_(returned)))
            if reminded == len(returned) or time.monotonic() > deadline:
                break
            await asyncio.sleep(1)

        async with sessions() as session:
            created = await session.scalar(select(func.count()).select_from(Application))
            statuses = dict((await session.execute(select(ApplicationStatus.application_id, ApplicationStatus.status)
                                                   .where(ApplicationStatus.application_id.in_(ids)))).all())
            events = (await session.execute(select(Event.application_id, Event.seq, Event.kind, Event.step)
                                            .where(Event.application_id.in_(ids)))).all()
            notes = (await session.execute(select(Notification.application_id, Notification.kind,
                                                  Notification.lead_days))).all()
        assert created == APPLICATIONS
        assert {i: statuses[i] for i in ids} == {i: PLANS[plan][1] for i, plan in ids.items()}
        per_application: dict[int, list] = {}
        for application_id, seq, kind, step in sorted(events):
            per_application.setdefault(application_id, []).append((seq, kind, step))
        wrong_events = {i: per_application.get(i) for i, plan in ids.items() if per_application.get(i) != PLANS[plan][2]}
        assert wrong_events == {}, "each event exactly once"
        assert len(events) == sum(len(PLANS[plan][2]) for plan in ids.values())
        reminders = Counter(application_id for application_id, kind, _ in notes if kind == "reminder")
        assert reminders == Counter({i: 1 for i in returned}), "each reminder exactly once"
        assert len(notes) == len(returned)
        assert len(faults) == 3
        print(f"process faults: {APPLICATIONS} applications, {total} writes, {len(events)} events, "
              f"{len(notes)} reminders in {time.monotonic() - started:.0f}s; faults: {faults}; "
              f"client retries: {dict(client.retries)}; lost: nothing")
    finally:
        for process in (api, worker):
            stop_process(process)
        temporal.stop()
        await engine.dispose()

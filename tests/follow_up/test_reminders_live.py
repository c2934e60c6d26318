"""Reminders on a real Temporal dev server: mailed through a real SMTP server (aiosmtpd, in-process),
kept and retried while the relay is down, and delivered exactly once across a worker kill.

Reminder lead times are set so that a reminder falls due seconds after designation (leads may be
fractions of a day), which keeps these tests short on a real server with real timers.
"""

from __future__ import annotations

import asyncio
import email
import os
import signal
import uuid
from datetime import UTC, datetime, timedelta
from email.header import decode_header, make_header

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import select

from services.core.applications.service import ApplicationService
from services.core.notifications.models import Notification
from services.core.platform.db import create_engine
from services.dev.temporal_dev import free_port
from services.workers.main import build_worker
from tests.api.test_worker_kill import start_worker_process
from tests.factories import TODAY
from tests.follow_up.helpers import service_to_follow_up
from workflows.contracts import application_workflow_id
from workflows.deadlines import JST, end_of_day
from workflows.jpdates import to_japanese_era

pytestmark = pytest.mark.slow
ONE_ITEM = [{"asset_class": "machinery", "description": "ペプチド合成装置一式", "planned_cost_jpy": 30_000_000}]
WINDOW_DUE = end_of_day(TODAY + timedelta(days=300))  # DESIGNATE's acquisition_until


def lead_firing_at(moment: datetime) -> float:
    """The lead (in days) whose reminder for the acquisition window falls due at `moment`."""
    return (WINDOW_DUE - moment) / timedelta(days=1)


class Inbox:
    def __init__(self) -> None:
        self.messages: list[tuple[list[str], email.message.Message]] = []

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's handler protocol
        self.messages.append((list(envelope.rcpt_tos), email.message_from_bytes(envelope.content)))
        return "250 OK"


async def wait_for(condition, timeout: float, what: str):
    deadline = asyncio.get_running_loop().time() + timeout
    while asyncio.get_running_loop().time() < deadline:
        result = await condition()
        if result:
            return result
        await asyncio.sleep(0.5)
    raise AssertionError(f"timed out waiting for {what}")


async def notifications_for(sessions, application_ids: list[int]) -> list[Notification]:
    async with sessions() as session:
        return list((await session.execute(select(Notification).where(
            Notification.application_id.in_(application_ids)).order_by(Notification.id))).scalars())


async def test_reminder_mail_and_retry_while_relay_is_down(settings, sessions, temporal_client, demo_users, as_user):
    smtp_port = free_port()
    inbox = Inbox()
    relay = Controller(inbox, hostname="127.0.0.1", port=smtp_port)
    relay.start()
    fire_first = datetime.now(UTC) + timedelta(seconds=12)
    isolated = settings.model_copy(update={
        "task_queue": f"tokku-mail-{uuid.uuid4().hex[:8]}", "smtp_host": "127.0.0.1", "smtp_port": smtp_port,
        "reminder_lead_days": [lead_firing_at(fire_first)]})
    engine = create_engine(isolated.resolved_database_url)
    service = ApplicationService(sessions, temporal_client, isolated)
    try:
        async with build_worker(temporal_client, engine, isolated):
            first = await service_to_follow_up(service, demo_users, equipment_items=ONE_ITEM)
            (recipients, message), = await wait_for(lambda: asyncio.sleep(0, inbox.messages), 40, "the reminder mail")
            assert recipients == ["applicant1@example.test"]
            subject = str(make_header(decode_header(message["Subject"])))
            assert "設備の取得期限まで" in subject and "特殊環状ペプチド" in subject
            body = message.get_payload(decode=True).decode("utf-8")
            due_local = WINDOW_DUE.astimezone(JST).date()
            assert to_japanese_era(due_local) in body and due_local.isoformat() in body
            assert f"/applications/{first}" in body and "ペプチド合成装置一式" in body
            stored, = await notifications_for(sessions, [first])
            assert stored.mail_status == "sent" and stored.mail_attempts == 1

            # The relay goes down before the next reminder: the notification is kept, and mailed once it is back.
            relay.stop()
            fire_second = datetime.now(UTC) + timedelta(seconds=12)
            service.settings = isolated.model_copy(update={"reminder_lead_days": [lead_firing_at(fire_second)]})
            second = await service_to_follow_up(service, demo_users, equipment_items=ONE_ITEM)

            async def failed():
                rows = await notifications_for(sessions, [second])
                return rows if rows and rows[0].mail_status == "failed" else None
            kept, = await wait_for(failed, 40, "a failed delivery attempt")
            assert kept.subject and kept.mail_error
            assert len(inbox.messages) == 1
            relay = Controller(inbox, hostname="127.0.0.1", port=smtp_port)
            relay.start()

            async def sent():
                rows = await notifications_for(sessions, [second])
                return rows if rows[0].mail_status == "sent" else None
            delivered, = await wait_for(sent, 60, "the retried delivery")
            assert delivered.mail_attempts >= 2
            assert len(inbox.messages) == 2 and inbox.messages[1][0] == ["applicant1@example.test"]
    finally:
        relay.stop()
        await engine.dispose()

    # The same notifications, stored for the applicant: listed unread, then read.
    applicant = await as_user("applicant1")
    mine = [n for n in (await applicant.get("/notifications", params={"unread_only": True})).json()
            if n["application_id"] in (first, second)]
    assert [n["application_id"] for n in mine] == [second, first] and {n["mail_status"] for n in mine} == {"sent"}
    marked = await applicant.post(f"/notifications/{mine[0]['id']}/read")
    assert marked.status_code == 200 and marked.json()["read"] is True
    unread = [n["id"] for n in (await applicant.get("/notifications", params={"unread_only": True})).json()]
    assert mine[0]["id"] not in unread and mine[1]["id"] in unread
    assert (await (await as_user("applicant2")).post(f"/notifications/{mine[1]['id']}/read")).status_code == 404


async def test_worker_killed_while_reminders_are_due(settings, sessions, temporal_client, demo_users, run_dir):
    fire_at = datetime.now(UTC) + timedelta(seconds=25)
    isolated = settings.model_copy(update={"task_queue": f"tokku-remind-kill-{uuid.uuid4().hex[:8]}",
                                           "reminder_lead_days": [lead_firing_at(fire_at)]})
    service = ApplicationService(sessions, temporal_client, isolated)
    log_path = run_dir / "worker-remind-kill.log"
    worker = start_worker_process(isolated, log_path)
    try:
        ids = [await service_to_follow_up(service, demo_users, equipment_items=ONE_ITEM) for _ in range(3)]
        assert datetime.now(UTC) < fire_at - timedelta(seconds=5), "designations took too long"
        os.killpg(worker.pid, signal.SIGKILL)
        worker.wait()
        # The reminders fall due while no worker runs.
        await asyncio.sleep((fire_at - datetime.now(UTC)).total_seconds() + 5)
        assert await notifications_for(sessions, ids) == []
        worker = start_worker_process(isolated, log_path)
        rows = await wait_for(lambda: _when_all(sessions, ids), 60, "three reminders after the restart")
        assert sorted(row.application_id for row in rows) == sorted(ids)
        assert {row.kind for row in rows} == {"reminder"}
        await asyncio.sleep(3)  # nothing more arrives late
        assert len(await notifications_for(sessions, ids)) == 3
        for application_id in ids:
            history = await temporal_client.get_workflow_handle(application_workflow_id(application_id)).fetch_history()
            notify_calls = [e for e in history.events
                            if e.HasField("activity_task_scheduled_event_attributes")
                            and e.activity_task_scheduled_event_attributes.activity_type.name == "notify"]
            assert len(notify_calls) == 1, application_id
    finally:
        if worker.poll() is None:
            os.killpg(worker.pid, signal.SIGTERM)
            worker.wait(timeout=30)


async def _when_all(sessions, ids):
    rows = await notifications_for(sessions, ids)
    return rows if len(rows) >= len(ids) else None

"""The audit trail: the event log is append-only — no route updates or deletes it, and the database itself
refuses UPDATE and DELETE on it (migration 0006_reliability) — and every decision, extension, revocation and
export of internal documents is recorded with who did it."""

from __future__ import annotations

import re
from datetime import date, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import DBAPIError

from services.api.app import create_app
from services.core.applications.models import Event
from services.core.documents.models import DocumentExport
from tests.factories import DESIGNATE
from tests.follow_up.helpers import api_to_follow_up
from tests.reliability.conftest import app_routes

ROOT = Path(__file__).resolve().parents[2]

# Every route that may change or remove stored data, each read for what it touches. None touches events;
# a new one fails this test until someone has read it and added it here.
REVIEWED_WRITES_BESIDES_POST = {
    ("PATCH", "/api/v1/applications/{application_id}"): "application content of a draft",
    ("DELETE", "/api/v1/rounds/{round_id}/applications/{application_id}"): "a filing round's membership",
    ("PATCH", "/applications/new"): "page autosave: creates a draft",
    ("PATCH", "/applications/{application_id:int}/edit"): "page autosave: application content",
}


def test_no_route_updates_or_deletes_events(settings):
    routes = [(method, path) for method, path, _ in app_routes(create_app(settings))
              if method in ("PUT", "PATCH", "DELETE")]
    assert set(routes) == set(REVIEWED_WRITES_BESIDES_POST), set(routes) ^ set(REVIEWED_WRITES_BESIDES_POST)
    # And no code anywhere in the services issues an UPDATE or DELETE on the events table, but for the one
    # reviewed repair: `tokku reconcile` (an operator's command after a restore) moves a row that is ahead of
    # its workflow into events_set_aside, whole, before it deletes it (docs/operations.md).
    reviewed = {"services/core/applications/reconcile.py"}
    offenders = []
    pattern = re.compile(r"(update|delete)\(\s*Event\b|(UPDATE|DELETE FROM)\s+events\b", re.IGNORECASE)
    for path in (ROOT / "services").rglob("*.py"):
        if "migrations" in path.parts or str(path.relative_to(ROOT)) in reviewed:
            continue
        offenders += [f"{path.relative_to(ROOT)}: {line.strip()}" for line in path.read_text(encoding="utf-8")
                      .splitlines() if pattern.search(line)]
    assert offenders == []


@pytest.mark.parametrize("table", ["events", "document_exports"])
async def test_the_database_refuses_to_change_audit_rows(sessions, as_user, table):
    applicant = await as_user("applicant1")
    created = (await applicant.post("/applications", {"project_name": "監査の訓練", "measure": "tax_incentive"})).json()
    await applicant.post(f"/applications/{created['id']}/withdraw", {"reason": "訓練"})  # writes one event
    await (await as_user("kawasaki1")).get("/documents/betten3", params={"audience": "internal"})  # one export row
    async with sessions() as session:
        row_id, = (await session.execute(text(f"SELECT max(id) FROM {table}"))).one()
        before = (await session.execute(text(f"SELECT * FROM {table} WHERE id = :id"), {"id": row_id})).one()
    for statement in (f"UPDATE {table} SET actor{'_username' if table == 'events' else ''} = 'someone else' "
                      f"WHERE id = :id", f"DELETE FROM {table} WHERE id = :id", f"DELETE FROM {table}"):
        async with sessions() as session:
            with pytest.raises(DBAPIError, match="append-only"):
                await session.execute(text(statement), {"id": row_id})
                await session.commit()
    async with sessions() as session:
        after = (await session.execute(text(f"SELECT * FROM {table} WHERE id = :id"), {"id": row_id})).one()
    assert after == before


async def test_decisions_extensions_and_revocations_are_recorded_with_their_actor(as_user, sessions):
    state = await api_to_follow_up(as_user, designate=DESIGNATE)
    application_id = state["id"]
    official = await as_user("kawasaki1")
    deadlines = (await official.get(f"/applications/{application_id}/deadlines")).json()
    window = next(d for d in deadlines if d["kind"] == "acquisition_window")
    extended = await official.post(f"/applications/{application_id}/deadlines/{window['id']}/extend",
                                   {"new_due_on": _later(window["due_at"]), "reason": "納期遅延のため"})
    assert extended.status_code == 200, extended.text
    revoked = await official.decide(application_id, {"step": "follow_up", "outcome": "revoke", "reason": "事業の廃止"})
    assert revoked.status_code == 200 and revoked.json()["status"] == "revoked"
    async with sessions() as session:
        events = (await session.execute(select(Event).where(Event.application_id == application_id)
                                        .order_by(Event.seq))).scalars().all()
    recorded = [(e.kind, e.step, e.outcome, e.actor_username, e.actor_role) for e in events]
    assert recorded == [
        ("submitted", None, None, "applicant1", "applicant"),
        ("decision", "intake_review", "accept", "kawasaki1", "local_official"),
        ("decision", "council_consultation", "agree", "secretariat1", "secretariat"),
        ("decision", "local_filing", "file", "kawasaki1", "local_official"),
        ("decision", "national_review", "certify", "cao1", "national_official"),
        ("decision", "designation", "designate", "kawasaki1", "local_official"),
        ("deadline_extended", "follow_up", None, "kawasaki1", "local_official"),
        ("decision", "follow_up", "revoke", "kawasaki1", "local_official"),
    ]
    assert all(e.actor_user_id and e.occurred_at for e in events)
    assert events[-2].reason == "納期遅延のため" and events[-1].reason == "事業の廃止"


def _later(due_at: str) -> str:
    return (date.fromisoformat(due_at[:10]) + timedelta(days=30)).isoformat()


async def test_internal_exports_are_audited_and_public_ones_are_not(as_user, sessions, demo_users):
    async with sessions() as session:
        before = (await session.execute(select(DocumentExport.id))).scalars().all()
    official = await as_user("kanagawa1")
    internal = await official.get("/documents/betten3", params={"audience": "internal", "format": "csv"})
    assert internal.status_code == 200, internal.text
    public = await official.get("/documents/betten3", params={"audience": "public", "format": "csv"})
    assert public.status_code == 200
    refused = await (await as_user("applicant1")).get("/documents/betten3", params={"audience": "internal"})
    assert refused.status_code == 403
    async with sessions() as session:
        rows = (await session.execute(select(DocumentExport).where(DocumentExport.id.not_in(before or [0]))
                                      .order_by(DocumentExport.id))).scalars().all()
    assert [(r.kind, r.format, r.audience, r.actor, r.user_id, r.channel) for r in rows] == [
        ("betten3", "csv", "internal", "kanagawa1", demo_users["kanagawa1"].id, "api")]
    assert rows[0].sha256 and rows[0].size_bytes == len(internal.content)

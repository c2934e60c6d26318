"""Reconcile on the suite's real Temporal and database (SQLite, or PostgreSQL in its pass): an event missing,
one ahead of its workflow and a wrong status projection are repaired, the event taken out is kept, and a
second run changes nothing."""

from __future__ import annotations

from sqlalchemy import text

import services.core.platform.table_registry  # noqa: F401 - every table, for the foreign keys between domains
from services.core.applications.reconcile import reconcile
from tests.api.test_journey import create_and_submit
from tests.factories import COUNCIL_AGREE, LOCAL_FILE, application_body
from workflows.contracts import application_workflow_id


async def rewrite(sessions, *statements: tuple[str, dict]) -> None:
    """Change rows behind the service's back, the event log's append-only trigger lifted meanwhile."""
    async with sessions() as session:
        postgres = (await session.connection()).dialect.name == "postgresql"
        if postgres:
            await session.execute(text("ALTER TABLE events DISABLE TRIGGER events_append_only"))
        else:
            trigger = (await session.execute(text(
                "SELECT sql FROM sqlite_master WHERE name = 'events_no_delete'"))).scalar_one()
            await session.execute(text("DROP TRIGGER events_no_delete"))
        for sql, parameters in statements:
            await session.execute(text(sql), parameters)
        if postgres:
            await session.execute(text("ALTER TABLE events ENABLE TRIGGER events_append_only"))
        else:
            await session.execute(text(trigger))
        await session.commit()


async def test_reconcile_repairs_missing_ahead_and_status(as_user, sessions, temporal_client):
    applicant, official, secretariat = (await as_user("applicant1"), await as_user("kawasaki1"),
                                        await as_user("secretariat1"))
    ids = []
    for _ in range(3):
        application_id = (await create_and_submit(applicant))["id"]
        assert (await official.decide(application_id, {"step": "intake_review", "outcome": "accept"})).status_code == 200
        assert (await secretariat.decide(application_id, COUNCIL_AGREE)).status_code == 200
        ids.append(application_id)
    missing, ahead, wrong = ids
    assert not (await reconcile(sessions, temporal_client, only=ids)).repaired

    await rewrite(
        sessions,
        # a copy taken before the council decision: no decision, no link to its consultation, no event
        ("DELETE FROM consultation_decisions WHERE decision_id IN (SELECT id FROM decisions "
         "WHERE application_id = :id AND event_seq = 3)", {"id": missing}),
        ("DELETE FROM decisions WHERE application_id = :id AND event_seq = 3", {"id": missing}),
        ("DELETE FROM events WHERE application_id = :id AND seq = 3", {"id": missing}),
        ("INSERT INTO events (application_id, seq, kind, step, outcome, actor_username, payload, status_after, "
         "occurred_at) VALUES (:id, 4, 'decision', 'local_filing', 'file', 'kawasaki1', '{}', 'national_review', "
         "CURRENT_TIMESTAMP)", {"id": ahead}),
        ("UPDATE application_status SET status = 'national_review', current_step = 'national_review', last_seq = 4 "
         "WHERE application_id = :id", {"id": ahead}),
        ("UPDATE application_status SET status = 'rejected' WHERE application_id = :id", {"id": wrong}))

    dry = await reconcile(sessions, temporal_client, only=ids, dry_run=True)
    assert len(dry.repaired) == 3
    assert (await reconcile(sessions, temporal_client, only=ids, dry_run=True)).lines() == dry.lines(), \
        "a dry run changes nothing"
    report = await reconcile(sessions, temporal_client, only=ids)
    lines = report.lines()
    assert f"application {missing}: added event #3 decision council_consultation/agree (missing)" in lines
    assert any(line.startswith(f"application {ahead}: removed event #4 decision local_filing/file by kawasaki1")
               for line in lines)
    assert any(line.startswith(f"application {wrong}: status projection set to its workflow's: status rejected → "
                               "local_filing") for line in lines)
    assert not report.needs_attention
    async with sessions() as session:
        kept = (await session.execute(text("SELECT application_id, seq, set_aside_because FROM events_set_aside "
                                           "WHERE application_id = :id"), {"id": ahead})).all()
        decision = (await session.execute(text("SELECT outcome FROM decisions WHERE application_id = :id "
                                               "AND event_seq = 3"), {"id": missing})).scalar_one()
        council_links = (await session.execute(text("SELECT count(*) FROM consultation_decisions "
                                                    "WHERE application_id = :id"), {"id": missing})).scalar_one()
    assert kept == [(ahead, 4, "ahead of its workflow, whose history ends at #3")] and decision == "agree"
    assert council_links == 1, "the restored council decision joined its consultation again"
    for application_id in ids:
        shown = (await applicant.get(f"/applications/{application_id}")).json()
        assert shown["status"] == "local_filing"
        assert [e["seq"] for e in shown["events"]] == [1, 2, 3]

    again = await reconcile(sessions, temporal_client, only=ids)
    assert not again.repaired and again.lines()[-1].endswith("the read model agrees with every workflow; nothing "
                                                             "changed")
    # The workflow's own transition #4 is recorded, not mistaken for the row that was set aside.
    filed = await official.decide(ahead, LOCAL_FILE)
    assert filed.status_code == 200 and filed.json()["status"] == "national_review"
    assert filed.json()["events"][-1]["seq"] == 4 and filed.json()["events"][-1]["payload"]["reference"] == "川崎市 R4-2"


async def test_a_draft_whose_submission_never_reached_temporal_is_a_draft_again(as_user, sessions, temporal_client):
    """The database was copied after `submit` set the workflow id and before Temporal had the workflow."""
    applicant = await as_user("applicant1")
    created = await applicant.post("/applications", application_body(project_name="提出途中で複製された申請"))
    assert created.status_code == 201, created.text
    application_id = created.json()["id"]
    await rewrite(sessions, ("UPDATE application_status SET workflow_id = :workflow WHERE application_id = :id",
                             {"workflow": application_workflow_id(application_id), "id": application_id}))

    dry = await reconcile(sessions, temporal_client, only=[application_id], dry_run=True)
    assert [repair.forget_workflow for repair in dry.repairs] == [True] and not dry.needs_attention
    report = await reconcile(sessions, temporal_client, only=[application_id])
    assert (f"application {application_id}: a draft whose submission never reached Temporal (no workflow "
            f"{application_workflow_id(application_id)}): its workflow id cleared; the company can submit it "
            "again") in report.lines()
    assert not report.needs_attention
    async with sessions() as session:
        workflow_id = (await session.execute(text("SELECT workflow_id FROM application_status WHERE application_id "
                                                   "= :id"), {"id": application_id})).scalar_one()
    assert workflow_id is None

    submitted = await applicant.post(f"/applications/{application_id}/submit")
    assert submitted.status_code == 200 and submitted.json()["status"] == "intake_review", submitted.text
    assert not (await reconcile(sessions, temporal_client, only=[application_id])).repaired

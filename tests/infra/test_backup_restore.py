"""Backup of the embedded default while decisions are being made, restore into a new var/, reconcile: every
application's status and events match its workflow, and a second reconcile changes nothing. Restore refuses
a running service and a damaged archive; reconcile repairs missing events, events ahead of the workflow and
a wrong status projection, and keeps what it takes out."""

from __future__ import annotations

import asyncio
import io
import json
import os
import queue
import signal
import sqlite3
import tarfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest
from temporalio.client import Client
from temporalio.contrib.pydantic import pydantic_data_converter

from tests.factories import COUNCIL_AGREE, DESIGNATE, LOCAL_FILE, NATIONAL_CERTIFY
from tests.infra.dev_runs import DevRun, Users, free_ports, query_db, run_tokku
from workflows.contracts import ApplicationState

pytestmark = [pytest.mark.slow,
              pytest.mark.skipif(os.environ.get("TOKKU_TEST_DATABASE") == "postgres",
                                 reason="backup and restore cover the embedded default (SQLite): the SQLite pass")]

JOURNEY = [("kawasaki1", {"step": "intake_review", "outcome": "accept"}), ("secretariat1", COUNCIL_AGREE),
           ("kawasaki1", LOCAL_FILE), ("cao1", NATIONAL_CERTIFY), ("kawasaki1", DESIGNATE)]
SHORT_JOURNEYS = 4  # these stop at local_filing before the load, for the repairs made on purpose after it
WALKERS = 8
RETURN_AT_INTAKE = {"step": "intake_review", "outcome": "return", "reason": "添付書類を補足してください"}


async def mismatches(var_dir: Path, temporal_port: int) -> list[str]:
    """Every submitted application's projection and events against its workflow's own state (its query)."""
    client = await Client.connect(f"127.0.0.1:{temporal_port}", data_converter=pydantic_data_converter)
    found = []
    rows = query_db(var_dir, "SELECT application_id, workflow_id, status, current_step, last_seq "
                             "FROM application_status WHERE workflow_id IS NOT NULL ORDER BY application_id")
    assert len(rows) >= 16
    for application_id, workflow_id, status, current_step, last_seq in rows:
        state = await client.get_workflow_handle(workflow_id).query("state", result_type=ApplicationState)
        if (status, current_step, last_seq) != (state.status.value, state.current_step, state.last_seq):
            found.append(f"{application_id}: projection {(status, current_step, last_seq)}, workflow "
                         f"{(state.status.value, state.current_step, state.last_seq)}")
        events = query_db(var_dir, "SELECT seq, status_after FROM events WHERE application_id = ? ORDER BY seq",
                          application_id)
        if [seq for seq, _ in events] != list(range(1, state.last_seq + 1)):
            found.append(f"{application_id}: events {[seq for seq, _ in events]}, workflow at #{state.last_seq}")
        elif events and events[-1][1] != state.status.value:
            found.append(f"{application_id}: last event leads to {events[-1][1]}, workflow is {state.status.value}")
    return found


def caught_up(run: DevRun, within_seconds: float = 90) -> list[str]:
    """The mismatches left once the restored service has had time to finish the workflow tasks in flight."""
    deadline = time.monotonic() + within_seconds
    while True:
        found = asyncio.run(mismatches(run.var_dir, run.ports["temporal"]))
        if not found or time.monotonic() > deadline:
            return found
        time.sleep(2)


def until(condition, what: str, within_seconds: float = 120) -> None:
    deadline = time.monotonic() + within_seconds
    while not condition():
        assert time.monotonic() < deadline, f"the load did not reach {what} within {within_seconds:.0f} s"
        time.sleep(0.02)


def reconcile(run: DevRun) -> list[str]:
    done = run_tokku("reconcile", env=run.env)
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout.strip().splitlines()


def rewrite(var_dir: Path, *statements: tuple[str, tuple]) -> None:
    """Change the application database behind the service's back (the event log's trigger lifted meanwhile)."""
    connection = sqlite3.connect(var_dir / "tokku.db", timeout=30, isolation_level=None)
    try:
        connection.execute("BEGIN IMMEDIATE")
        trigger, = connection.execute("SELECT sql FROM sqlite_master WHERE name = 'events_no_delete'").fetchone()
        connection.execute("DROP TRIGGER events_no_delete")
        for sql, parameters in statements:
            connection.execute(sql, parameters)
        connection.execute(trigger)
        connection.execute("COMMIT")
    finally:
        connection.close()


def damaged_copy(archive: Path, target: Path) -> None:
    """The same manifest, one byte of the application database changed."""
    with tarfile.open(archive) as source, tarfile.open(target, "w:gz") as copy:
        for member in source.getmembers():
            data = bytearray(source.extractfile(member).read())
            if member.name == "tokku.db":
                data[len(data) // 2] ^= 0xFF
            copy.addfile(member, io.BytesIO(bytes(data)))


def test_backup_under_load_restore_and_reconcile(tmp_path):
    archive = tmp_path / "backup.tar.gz"
    source = DevRun(tmp_path / "var", free_ports()).start("source")
    runs = [source]
    try:
        source.wait_running()
        with httpx.Client(timeout=60) as http:
            users = Users(http, source.api).sign_in("applicant1", "kawasaki1", "secretariat1", "cao1", "admin1")
            ids = users.submitted_applications(16 + WALKERS)
            short, full, cycling = ids[:SHORT_JOURNEYS], ids[SHORT_JOURNEYS:16], ids[16:]
            for username, body in JOURNEY[:2]:
                users.decide_all(username, short, body)
            decided_at: list[float] = []
            waiting = queue.SimpleQueue()
            for application_id in full:
                waiting.put(application_id)
            enough = threading.Event()

            def keep_deciding(own: int) -> None:
                """Walk the submitted applications through the journey; then return and resubmit this walker's
                own application until told to stop, so the load outlasts the backup however long it takes.
                No new application is submitted meanwhile: reconcile's answers to a submission caught by the
                copy are tested in tests/api/test_reconcile.py and tests/unit/test_reconcile_plan.py."""
                while not enough.is_set():
                    try:
                        application_id = waiting.get_nowait()
                    except queue.Empty:
                        break
                    for username, body in JOURNEY:
                        if enough.is_set():
                            return
                        users.post(username, f"/applications/{application_id}/decisions", body)
                        decided_at.append(time.monotonic())
                while not enough.is_set():
                    users.post("kawasaki1", f"/applications/{own}/decisions", RETURN_AT_INTAKE)
                    decided_at.append(time.monotonic())
                    users.post("applicant1", f"/applications/{own}/resubmit")

            with ThreadPoolExecutor(WALKERS) as pool:
                walks = [pool.submit(keep_deciding, own) for own in cycling]
                try:
                    until(lambda: len(decided_at) >= 10, "10 decisions before the backup")
                    backup_started = time.monotonic()
                    backup = run_tokku("backup", str(archive), env=source.env)
                    backup_done = time.monotonic()
                    until(lambda: sum(1 for t in decided_at if t > backup_done) >= 5, "5 decisions after the backup")
                finally:
                    enough.set()
                for walk in walks:
                    walk.result()
        assert backup.returncode == 0, backup.stderr
        assert f"backup written to {archive}" in backup.stdout
        in_flight_before = sum(1 for t in decided_at if t < backup_started)
        after = sum(1 for t in decided_at if t > backup_done)
        assert in_flight_before >= 10 and after >= 5, "the backup must be taken while decisions are being made"

        # Restore refuses the var/ of a running service, naming it.
        refused = run_tokku("restore", str(archive), env=source.env)
        assert refused.returncode != 0
        assert f"refused: {source.var_dir.resolve()} is in use by `tokku dev` (pid {source.process.pid})" \
            in refused.stderr
        source.process.send_signal(signal.SIGINT)
        assert source.wait_exit() == 0

        # A damaged archive is refused before anything is written.
        damaged = tmp_path / "damaged.tar.gz"
        damaged_copy(archive, damaged)
        untouched = DevRun(tmp_path / "damaged-var", free_ports())
        refused = run_tokku("restore", str(damaged), env=untouched.env)
        assert refused.returncode != 0 and "does not match its checksum" in refused.stderr
        assert not (untouched.var_dir / "tokku.db").exists() and not (untouched.var_dir / "temporal.db").exists()

        manifest = json.loads(tarfile.open(archive).extractfile("manifest.json").read())
        assert [entry["name"] for entry in manifest["files"]] == ["tokku.db", "temporal.db"]
        restored = DevRun(tmp_path / "restored-var", free_ports())
        done = run_tokku("restore", str(archive), env=restored.env)
        assert done.returncode == 0, done.stderr
        assert "restored tokku.db (checksum verified)" in done.stdout
        assert "restored temporal.db (checksum verified)" in done.stdout

        restored.start("restored")
        runs.append(restored)
        restored.wait_running()
        first = reconcile(restored)
        print("\n".join(["first reconcile after the restore:", *first]))
        assert first[-1].startswith("reconcile: checked ")
        # A decision whose transition was being recorded by a local activity when the backup was taken (its
        # update accepted, the record not yet in the history) is recorded once the restored worker runs that
        # workflow task again: the read model catches up by itself, each event once.
        assert caught_up(restored) == []
        # One fewer checked for each draft whose submission never reached Temporal (its workflow id cleared).
        drafts_again = sum(1 for line in first if "a draft whose submission never reached Temporal" in line)
        checked = int(first[-1].split()[2]) - drafts_again
        assert reconcile(restored) == [f"reconcile: checked {checked} applications against their "
                                       "workflows: the read model agrees with every workflow; nothing changed"]

        # In the local projection mode the first reconcile may have set rows aside: events a workflow task wrote
        # before the backup whose task never completed in the copied history (no caller got a 2xx for them).
        set_aside_before = query_db(restored.var_dir, "SELECT application_id, seq, set_aside_because "
                                                      "FROM events_set_aside ORDER BY id")
        assert all(because.startswith(("ahead of its workflow", "its workflow recorded another transition"))
                   for _, _, because in set_aside_before), set_aside_before

        # Repairs of each kind, made on purpose: an event missing, one ahead of its workflow, a wrong status.
        ahead, wrong, missing = short[:3]  # all at local_filing, last event #3, since before the backup
        rewrite(restored.var_dir,
                ("DELETE FROM decisions WHERE application_id = ? AND event_seq = 3", (missing,)),
                ("DELETE FROM events WHERE application_id = ? AND seq = 3", (missing,)),
                ("INSERT INTO events (application_id, seq, kind, step, outcome, actor_username, payload, status_after,"
                 " occurred_at) VALUES (?, 4, 'decision', 'local_filing', 'file', 'kawasaki1', '{}',"
                 " 'national_review', '2026-01-05 10:00:00.000000')", (ahead,)),
                ("UPDATE application_status SET status = 'national_review', current_step = 'national_review', "
                 "last_seq = 4 WHERE application_id = ?", (ahead,)),
                ("UPDATE application_status SET status = 'rejected' WHERE application_id = ?", (wrong,)))
        lines = reconcile(restored)
        assert f"application {missing}: added event #3 decision council_consultation/agree (missing)" in lines
        assert any(line.startswith(f"application {ahead}: removed event #4 decision local_filing/file by kawasaki1")
                   for line in lines)
        assert any(line.startswith(f"application {wrong}: status projection set to its workflow's: status "
                                   "rejected → local_filing") for line in lines)
        assert lines[-1].endswith("repaired 3 (1 events added, 1 removed, 0 replaced, 2 status projections)")
        set_aside = query_db(restored.var_dir, "SELECT application_id, seq, set_aside_because "
                                               "FROM events_set_aside ORDER BY id")
        assert set_aside[len(set_aside_before):] == [(ahead, 4, "ahead of its workflow, whose history ends at #3")]
        assert asyncio.run(mismatches(restored.var_dir, restored.ports["temporal"])) == []

        # The workflow's own next transition takes #4 now (with the row set aside, it is not mistaken for it).
        with httpx.Client(timeout=60) as http:
            filed = Users(http, restored.api).sign_in("kawasaki1").post(
                "kawasaki1", f"/applications/{ahead}/decisions", LOCAL_FILE)
        assert filed["status"] == "national_review"
        assert [(e["seq"], e["payload"].get("reference")) for e in filed["events"]][-1] == (4, "川崎市 R4-2")
        assert asyncio.run(mismatches(restored.var_dir, restored.ports["temporal"])) == []
        assert reconcile(restored)[-1].endswith("the read model agrees with every workflow; nothing changed")
    finally:
        for run in runs:
            run.stop()

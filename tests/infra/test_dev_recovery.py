"""`tokku dev` survives being killed: no process is left behind, the next start on the same var/ comes up
(taking over a stale lock, stopping a server a dead owner left), nothing is lost, and reminders that fell
due while it was down fire once. One var/ has one owner; another var/ runs beside it.

One run of `tokku dev` is shared: SIGKILL, restart, SIGHUP, stale lock and leftover server, restart — in
that order (the second test continues where the first left off).
"""

from __future__ import annotations

import email
import json
import os
import re
import signal
import subprocess
import time
from collections import Counter
from pathlib import Path

import httpx
import pytest

from services.dev.temporal_dev import DevServer, pid_alive
from tests.factories import COUNCIL_AGREE
from tests.infra.dev_runs import DevRun, Users, free_ports, query_db, run_tokku, wait_gone

pytestmark = [pytest.mark.slow,
              pytest.mark.skipif(os.environ.get("TOKKU_TEST_DATABASE") == "postgres",
                                 reason="`tokku dev` always runs on its own SQLite file: checked in the SQLite pass")]

REVISION_DAYS = 45
REMINDER_AFTER_SECONDS = 15  # a returned application's revision reminder falls due this long after the return
RETURN = {"step": "council_consultation", "outcome": "return", "reason": "補足資料を添付してください"}
ACCEPT = {"step": "intake_review", "outcome": "accept"}


def reminders(var_dir: Path, ids: list[int]) -> Counter:
    marks = ",".join("?" * len(ids))
    rows = query_db(var_dir, f"SELECT application_id FROM notifications WHERE kind = 'reminder' "
                             f"AND application_id IN ({marks})", *ids)
    return Counter(application_id for application_id, in rows)


def mails(var_dir: Path) -> Counter:
    """Reminder mails the dev SMTP sink wrote, per application number in their body."""
    found = Counter()
    for path in (var_dir / "mail").glob("*.eml"):
        message = email.message_from_bytes(path.read_bytes())
        body = message.get_payload(decode=True).decode("utf-8")
        number = re.search(r"申請番号 (\d+)", body)
        if number and "補正の期限まであと" in body:
            found[int(number.group(1))] += 1
    return found


def wait_for(condition, timeout: float, what: str):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = condition()
        if result:
            return result
        time.sleep(0.5)
    raise AssertionError(f"timed out waiting for {what}")


def dead_pid() -> int:
    finished = subprocess.Popen(["true"])
    finished.wait()
    return finished.pid


@pytest.fixture(scope="module")
def drill(tmp_path_factory):
    """Run A drives 12 applications through two steps and is killed with SIGKILL; run B starts on its var/."""
    base = tmp_path_factory.mktemp("dev-recovery")
    lead = REVISION_DAYS - REMINDER_AFTER_SECONDS / 86400
    reminder_env = {"TOKKU_REVISION_DEADLINE_DAYS": str(REVISION_DAYS), "TOKKU_REMINDER_LEAD_DAYS": f"[{lead}]"}
    var_dir, ports = base / "var", free_ports()
    runs: list[DevRun] = []
    state: dict = {"var_dir": var_dir, "ports": ports, "env": reminder_env, "runs": runs, "base": base}
    first = DevRun(var_dir, ports, reminder_env).start("run-a")
    runs.append(first)
    try:
        first.wait_running()
        state["first_temporal"] = first.lock_record()["temporal_pid"]
        with httpx.Client(timeout=60) as http:
            users = Users(http, first.api).sign_in("applicant1", "kawasaki1", "secretariat1", "admin1")
            ids = users.submitted_applications(12)
            users.decide_all("kawasaki1", ids, ACCEPT)
            onward, returned_early, returned_late = ids[:6], ids[6:9], ids[9:]
            users.decide_all("secretariat1", onward, COUNCIL_AGREE)
            users.decide_all("secretariat1", returned_early, RETURN)
            # The early ones' reminders fire while run A is up: notifications that must survive the kill.
            wait_for(lambda: len(reminders(var_dir, returned_early)) == 3, REMINDER_AFTER_SECONDS + 60,
                     "the first reminders")
            first_late_due = time.monotonic() + REMINDER_AFTER_SECONDS
            users.decide_all("secretariat1", returned_late, RETURN)
            last_late_due = time.monotonic() + REMINDER_AFTER_SECONDS
            state["before"] = users.snapshot(ids)
        state["notifications_before"] = set(query_db(var_dir, "SELECT id, dedupe_key FROM notifications"))
        assert time.monotonic() < first_late_due - 1, \
            "the machine was too slow: the late reminders fell due before the kill"
        os.kill(first.process.pid, signal.SIGKILL)  # tokku dev only: its Temporal server must follow by itself
        first.process.wait()
        state["left_after_kill"] = wait_gone([state["first_temporal"]], timeout=15)
        state["ids"] = ids
        state["onward"], state["returned_early"], state["returned_late"] = onward, returned_early, returned_late
        # Down while the late reminders fall due.
        time.sleep(max(0.0, last_late_due - time.monotonic()) + 2)
        second = DevRun(var_dir, ports, reminder_env).start("run-b")
        runs.append(second)
        state["second_banner"] = second.wait_running()
        yield state
    finally:
        for run in runs:
            run.stop()


def test_sigkill_then_restart_loses_nothing_and_leaves_nothing(drill):
    var_dir, first, second = drill["var_dir"], drill["runs"][0], drill["runs"][1]
    assert drill["left_after_kill"] == [], "the Temporal server of the killed tokku dev kept running"
    assert f"found a stale lock in {var_dir / 'tokku.lock'}: `tokku dev` (pid {first.process.pid})" \
        in drill["second_banner"]
    assert second.temporal_servers() == [second.lock_record()["temporal_pid"]]
    assert not pid_alive(first.process.pid) and not pid_alive(drill["first_temporal"])

    with httpx.Client(timeout=60) as http:
        users = Users(http, second.api).sign_in("admin1")
        after = users.snapshot(drill["ids"])
    assert after == drill["before"]
    statuses = Counter(status for status, _ in after.values())
    assert statuses == {"local_filing": 6, "revision_requested": 6}
    for _status, events in after.values():
        assert [seq for seq, *_ in events] == [1, 2, 3]  # each event once

    now = set(query_db(var_dir, "SELECT id, dedupe_key FROM notifications"))
    assert drill["notifications_before"] <= now
    returned = drill["returned_early"] + drill["returned_late"]
    open_revisions = query_db(var_dir, "SELECT application_id FROM deadlines WHERE kind = 'revision_request' "
                                       f"AND state = 'open' AND application_id IN ({','.join(map(str, returned))})")
    assert sorted(application_id for application_id, in open_revisions) == sorted(returned)

    # The late reminders fell due while nothing ran: each fires once now, and is mailed once.
    wait_for(lambda: len(reminders(var_dir, drill["returned_late"])) == 3, 60, "the reminders due while down")
    wait_for(lambda: all(mails(var_dir)[i] for i in returned), 60, "their mails")
    time.sleep(3)  # nothing more arrives late
    assert reminders(var_dir, returned) == Counter({i: 1 for i in returned})
    assert {i: mails(var_dir)[i] for i in returned} == {i: 1 for i in returned}
    assert reminders(var_dir, drill["onward"]) == Counter()


def test_sighup_stale_lock_one_owner_and_a_second_var_dir(drill):
    var_dir, ports, env, runs = drill["var_dir"], drill["ports"], drill["env"], drill["runs"]
    second = runs[1]
    second_temporal = second.lock_record()["temporal_pid"]

    # SIGHUP (a closed terminal) stops it in order, like Ctrl-C.
    second.process.send_signal(signal.SIGHUP)
    assert second.wait_exit() == 0 and "stopped." in second.output()
    assert wait_gone([second_temporal]) == [] and second.temporal_servers() == []
    assert second.lock_record() == {}

    # A stale lock of a process that no longer exists, and a Temporal server still holding var/'s state and
    # its port (as left by a tokku dev from before servers followed their parent).
    gone = dead_pid()
    (var_dir / "tokku.lock").write_text(json.dumps({"pid": gone, "command": "dev"}))
    leftover = DevServer(db_file=var_dir / "temporal.db", port=ports["temporal"])
    orphan = subprocess.Popen(leftover.command(), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                              start_new_session=True)
    try:
        wait_for(lambda: orphan.pid in second.temporal_servers(), 10, "the leftover server")
        third = DevRun(var_dir, ports, env).start("run-c")
        runs.append(third)
        banner = third.wait_running()
        assert orphan.wait(10) is not None
    finally:
        if orphan.poll() is None:
            orphan.kill()
            orphan.wait()
    assert f"`tokku dev` (pid {gone}) is no longer running" in banner
    assert f"stopped the Temporal dev server (pid {orphan.pid}) that a previous run left running" in banner
    with httpx.Client(timeout=60) as http:
        assert Users(http, third.api).sign_in("admin1").snapshot(drill["ids"]) == drill["before"]
    returned = drill["returned_early"] + drill["returned_late"]
    assert reminders(var_dir, returned) == Counter({i: 1 for i in returned})

    # A second tokku dev on the same var/ is refused, naming the owner's pid (before it looks at ports).
    refused = run_tokku("dev", env=DevRun(var_dir, free_ports(), env).env)
    assert refused.returncode != 0
    assert f"is in use by `tokku dev` (pid {third.process.pid})" in refused.stderr + refused.stdout
    assert third.process.poll() is None

    # Another var/ on other ports runs beside it.
    beside = DevRun(drill["base"] / "other-var", free_ports()).start("run-other")
    runs.append(beside)
    beside.wait_running()
    ours, theirs = third.temporal_servers(), beside.temporal_servers()
    assert len(ours) == 1 and len(theirs) == 1 and ours != theirs
    beside.process.send_signal(signal.SIGTERM)
    assert beside.wait_exit() == 0
    third.stop()
    assert third.process.returncode == 0
    assert wait_gone(ours + theirs) == []

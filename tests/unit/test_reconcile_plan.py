"""What `tokku reconcile` decides for one application, from its rows and its workflow's records (no I/O)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from services.core.applications.models import ApplicationStatus, Decision, Event
from services.core.applications.projection import decision_row, event_row, status_fields
from services.core.applications.reconcile import ReadModel, WorkflowRecords, plan_repair
from services.core.follow_up.models import Deadline
from workflows.contracts import Actor, Role, Status, TransitionRecord

START = datetime(2026, 4, 1, 9, 0, tzinfo=UTC)
OFFICIAL = Actor(user_id=3, username="kawasaki1", role=Role.local_official)
PATH = [("submitted", None, None, Status.intake_review),
        ("decision", Status.intake_review, "accept", Status.council_consultation),
        ("decision", Status.council_consultation, "agree", Status.local_filing),
        ("decision", Status.local_filing, "file", Status.national_review)]


def record(seq: int) -> TransitionRecord:
    kind, step, outcome, status = PATH[seq - 1]
    return TransitionRecord(application_id=7, seq=seq, kind=kind, step=step, outcome=outcome,
                            actor=OFFICIAL if kind == "decision" else None, occurred_at=START + timedelta(hours=seq),
                            status=status, current_step=status, furthest_step=status)


def read_model(seqs: list[int], projected: int) -> ReadModel:
    events = {seq: event_row(record(seq)) for seq in seqs}
    decisions = {seq: row for seq in seqs if (row := decision_row(record(seq))) is not None}
    status = ApplicationStatus(application_id=7, organization_id=1, workflow_id="application-7",
                               **status_fields(record(projected)), submitted_at=record(1).occurred_at)
    return ReadModel(application=None, status=status, events=events, decisions=decisions, deadlines={})


def workflow(last: int, covered_from: int = 1) -> WorkflowRecords:
    return WorkflowRecords("application-7", {seq: record(seq) for seq in range(covered_from, last + 1)},
                           covered_from=covered_from)


def test_agreeing_rows_need_nothing():
    repair = plan_repair(7, read_model([1, 2, 3], projected=3), workflow(3))
    assert not repair.changed and repair.describe() == []


def test_missing_events_are_added_and_the_projection_moves_on():
    repair = plan_repair(7, read_model([1, 2], projected=2), workflow(4))
    assert [r.seq for r in repair.added] == [3, 4] and repair.removed == []
    assert repair.status_changes["status"] == ("council_consultation", "national_review")
    assert repair.status_changes["last_seq"] == (2, 4)
    assert "application 7: added event #3 decision council_consultation/agree (missing)" in repair.describe()


def test_events_ahead_of_the_workflow_are_taken_out_and_the_projection_goes_back():
    repair = plan_repair(7, read_model([1, 2, 3, 4], projected=4), workflow(2))
    assert [row.seq for row in repair.removed] == [3, 4] and repair.added == []
    assert repair.decisions_removed == [3, 4]
    assert repair.status_changes["last_seq"] == (4, 2)
    assert repair.status_changes["status"] == ("national_review", "council_consultation")
    assert any("removed event #4 decision local_filing/file by kawasaki1" in line for line in repair.describe())


def test_the_same_seq_with_other_content_is_replaced_by_the_workflows():
    model = read_model([1, 2, 3], projected=3)
    model.events[3] = Event(application_id=7, seq=3, kind="decision", step="council_consultation",
                            outcome="return", status_after="revision_requested", occurred_at=START, payload={})
    model.decisions[3] = Decision(application_id=7, event_seq=3, step="council_consultation", outcome="return",
                                  decided_at=START)
    repair = plan_repair(7, model, workflow(3))
    assert [(row.outcome, new.outcome) for row, new in repair.replaced] == [("return", "agree")]
    assert repair.decisions_removed == [] and repair.added == []


def test_events_older_than_the_kept_runs_are_left_alone_and_reported_when_missing():
    repair = plan_repair(7, read_model([2, 3, 4], projected=4), workflow(4, covered_from=3))
    assert not repair.changed
    assert repair.attention == ["events [1] are missing and the workflow runs that made them are no longer kept by "
                                "Temporal"]


def test_a_draft_whose_workflow_exists_is_marked_submitted():
    model = read_model([], projected=1)
    model.status.workflow_id = None
    model.status.status, model.status.last_seq = "draft", 0
    repair = plan_repair(7, model, workflow(2))
    assert repair.mark_submitted is not None and repair.mark_submitted.seq == 1
    assert [r.seq for r in repair.added] == [1, 2] and repair.status_changes["status"] == ("draft",
                                                                                            "council_consultation")


def test_a_submission_its_started_workflow_never_recorded_makes_a_draft_again():
    """The backup copied the workflow's start but not its submission, and the database after the submission."""
    model = read_model([1], projected=1)
    model.deadlines["step:intake_review:1"] = Deadline(application_id=7, key="step:intake_review:1",
                                                       kind="step_target", due_at=START, original_due_at=START,
                                                       settled_by="the intake decision", state="open")
    repair = plan_repair(7, model, WorkflowRecords("application-7", {}))
    assert [row.seq for row in repair.removed] == [1] and repair.added == []
    assert repair.status_changes["status"] == ("intake_review", "draft")
    assert repair.status_changes["last_seq"] == (1, 0)
    assert repair.status_changes["submitted_at"] == (record(1).occurred_at, None)
    assert repair.deadline_changes == {"step:intake_review:1": "removed"}


def test_a_workflow_with_no_kept_records_leaves_the_projection_alone():
    repair = plan_repair(7, read_model([1, 2], projected=2), WorkflowRecords("application-7", {}, covered_from=3))
    assert repair.status_changes == {} and repair.removed == []

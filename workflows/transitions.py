"""What a transition does to the workflow's state, and the record it leaves: pure functions of their inputs.

The application workflow calls them for every transition. The API calls them too when it records a
submission in its own transaction (TOKKU_INTAKE_MODE=api_transaction, docs/performance.md): the workflow it
then starts builds the very same state and record from its start input (`recorded_submission`), so the
projection the API wrote and the workflow's own state agree without the workflow writing anything.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from workflows import deadlines as engine
from workflows import rules
from workflows.contracts import (
    TERMINAL_STATUSES,
    Actor,
    DeadlineInfo,
    StartInput,
    Status,
    TransitionRecord,
    WorkflowState,
)


def enter_status(state: WorkflowState, start: StartInput, *, now: datetime, status: Status, step: Status | None,
                 new_deadlines: list[DeadlineInfo] | None = None) -> None:
    """Move the state to `status`: settle the step it leaves, set the new step's target (and a revision
    request's deadline), add the new deadlines, cancel what an end leaves open."""
    leaving, number = state.status, state.transitions + 1
    engine.settle_left_step(state.deadlines, leaving=leaving, entering=status)
    if status == Status.revision_requested:
        revision = engine.revision_deadline(now=now, days=start.revision_deadline_days, returned_from=step,
                                            transition=number)
        engine.add(state.deadlines, revision)
        state.returned_from = step
        state.revision_due_at = revision.due_at
    elif leaving == Status.revision_requested:
        state.revision_due_at = None
    state.status = status
    state.current_step = None if status in TERMINAL_STATUSES else status
    target = engine.step_target_deadline(now=now, step=status, step_target_days=start.step_target_days,
                                         transition=number)
    state.step_due_at = target.due_at if target is not None else None
    if target is not None:
        engine.add(state.deadlines, target)
    engine.add(state.deadlines, *(new_deadlines or []))
    if status in TERMINAL_STATUSES:
        engine.cancel_open(state.deadlines)
    state.furthest = rules.further(state.furthest, status)
    state.transitions = number


def next_record(state: WorkflowState, application_id: int, *, now: datetime,
                recorded_deadlines: list[DeadlineInfo] | None, kind: str, step: Status | None = None,
                outcome: str | None = None, actor: Actor | None = None, reason: str | None = None,
                payload: dict[str, Any] | None = None,
                content_version: int | None = None) -> tuple[TransitionRecord, list[DeadlineInfo] | None]:
    """Number the next event and build its record; with it, the deadlines as the projection will hold them.
    The record carries the deadlines only when they changed since the last record (`recorded_deadlines`)."""
    state.seq += 1
    snapshot = dict(state.snapshot(application_id))
    if state.deadlines == recorded_deadlines:
        snapshot["deadlines"] = None  # unchanged since the last record: the projection has them
    else:
        recorded_deadlines = [deadline.model_copy() for deadline in state.deadlines]
    record = TransitionRecord(**snapshot, kind=kind, step=step, outcome=outcome, actor=actor, reason=reason,
                              payload=payload or {}, occurred_at=now, content_version=content_version)
    return record, recorded_deadlines


def recorded_submission(start: StartInput) -> tuple[WorkflowState, TransitionRecord]:
    """The state after the submission the API recorded (start.submitted), and that submission's record: what a
    workflow started with it begins from, and what the API wrote to the read model before starting it."""
    submitted = start.submitted
    if submitted is None:
        raise ValueError("the start input carries no recorded submission")
    state = WorkflowState(status=Status.draft)
    enter_status(state, start, now=submitted.occurred_at, status=Status.intake_review, step=None)
    record, _ = next_record(state, start.application_id, now=submitted.occurred_at, recorded_deadlines=[],
                            kind="submitted", actor=submitted.actor, content_version=submitted.content_version)
    return state, record

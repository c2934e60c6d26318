"""`tokku reconcile`: bring the read model back in line with the workflows, e.g. after a restore.

Temporal owns the process, so each workflow's history is the reference. Every transition the workflow made
is in its history as the input of a record-transition activity (scheduled before the activity writes the
row), or, for a workflow started in the local-activity projection mode, as the result of the local activity
that wrote it (in its marker), across continue-as-new runs as far back as Temporal keeps them. Per application:

- an event in the history but not in the database is **missing**: it is added (with its decision row);
- an event in the database that the history does not have (a higher seq than the workflow reached, or the
  same seq with other content) is **ahead**: the workflow never made that transition, or made another one in
  its place. The workflow wins: the projection must not claim a step the process is not at, and the next
  transition the workflow records must not be mistaken for one already written (same seq). The row is moved,
  whole, from the append-only log to events_set_aside (append-only too, with when and why), so the audit
  trail loses nothing and the decision can be made again; the history's record takes its place where it has
  one;
- the status projection and the deadlines are set to what the newest record says;
- a draft in the database whose workflow exists (submitted after the database was copied) is marked
  submitted, with the submitted content version kept, and then repaired like the others;
- a submitted application whose workflow exists but recorded no transition (the submission was being
  recorded when the history was copied) is a draft again: its events are set aside, its projection and
  deadlines cleared, and the company can submit it again;
- a draft whose workflow Temporal does not have (the submission was being started when the database was
  copied) has its workflow id cleared: it is a draft, which the company can submit again.

What cannot be repaired from Temporal is reported and left alone: a workflow with no application row (its
content is only in the database), an application whose workflow Temporal does not have, events older than
the runs Temporal still keeps.

The database is read before the history, so with the service running a transition made in between shows up
as missing (and is added, idempotently), never as ahead. In the local-activity projection mode a transition is
written inside its workflow task, before the history has it; so rows ahead are set aside only when the workflow
has no task in flight (otherwise reconcile plans again a moment later).
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Collection
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import delete, select, text, update
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from temporalio.api.enums.v1 import EventType
from temporalio.client import Client
from temporalio.service import RPCError, RPCStatusCode

from services.core.applications.models import (
    Application,
    ApplicationStatus,
    ApplicationVersion,
    Decision,
    Event,
    SetAsideEvent,
)
from services.core.applications.projection import (
    apply_status,
    deadline_fields,
    decision_row,
    event_row,
    project_deadlines,
    status_fields,
)
from services.core.applications.recorded_intake import confirm_started_now, start_recorded
from services.core.council.models import ConsultationDecision
from services.core.council.service import sync_council_decisions
from services.core.follow_up.models import Deadline
from services.core.platform.db import in_blocking_session
from services.core.platform.settings import Settings
from workflows.contracts import (
    RECORD_TRANSITION_ACTIVITY,
    RECORD_TRANSITION_LOCAL_ACTIVITY,
    StartInput,
    Status,
    TransitionRecord,
    application_workflow_id,
)
from workflows.transitions import recorded_submission

WORKFLOW_TYPE = "ApplicationWorkflow"
LOCAL_ACTIVITY_MARKER = "core_local_activity"  # the marker Temporal's SDK core records for a local activity
ATTEMPTS = 5  # re-plan when the service writes to the application while we repair it
CONCURRENCY = 8
# Where a workflow started by reconcile runs: the worker's queue (`tokku reconcile` passes its settings').
DEFAULT_TASK_QUEUE = Settings.model_fields["task_queue"].default
IN_FLIGHT_WAIT_SECONDS = 1.0  # a workflow task in flight: its transition may be written and not yet in history
# The projection of a workflow that has recorded no transition yet: the draft row the API wrote.
UNSUBMITTED_STATUS = {"status": Status.draft.value, "current_step": None, "step_due_at": None,
                      "revision_due_at": None, "returned_from": None, "furthest_step": None, "furthest_rank": 0,
                      "last_seq": 0, "submitted_at": None}


@dataclass
class WorkflowRecords:
    """The transition records a workflow's history holds, by seq."""

    workflow_id: str
    records: dict[int, TransitionRecord]
    covered_from: int = 1  # lower seqs were in runs Temporal no longer keeps

    @property
    def latest(self) -> TransitionRecord | None:
        return self.records[max(self.records)] if self.records else None

    @property
    def latest_deadlines(self) -> TransitionRecord | None:
        """The newest record that carries the deadlines (a record carries them only when they changed)."""
        carrying = [seq for seq, record in self.records.items() if record.deadlines is not None]
        return self.records[max(carrying)] if carrying else None


async def read_workflow_records(client: Client, workflow_id: str) -> WorkflowRecords | None:
    """Every record-transition input in the workflow's runs, newest run first; None if there is no workflow."""
    found = WorkflowRecords(workflow_id=workflow_id, records={})
    run_id: str | None = None
    while True:
        try:
            events = [event async for event in client.get_workflow_handle(workflow_id, run_id=run_id)
                      .fetch_history_events()]
        except RPCError as error:
            if error.status != RPCStatusCode.NOT_FOUND:
                raise
            if run_id is None:
                return None
            return found  # an earlier run is past the namespace's retention
        previous_run = None
        for event in events:
            if event.event_type == EventType.EVENT_TYPE_WORKFLOW_EXECUTION_STARTED:
                attributes = event.workflow_execution_started_event_attributes
                previous_run = attributes.continued_execution_run_id or None
                start, = await client.data_converter.decode(attributes.input.payloads, [StartInput])
                found.covered_from = (start.carried.seq if start.carried else 0) + 1
                if start.carried is None and start.submitted is not None:
                    # The API recorded the submission and started the workflow from it (api_transaction mode):
                    # its record is in the start input, not in an activity.
                    found.records.setdefault(1, recorded_submission(start)[1])
            elif event.event_type == EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED:
                attributes = event.activity_task_scheduled_event_attributes
                if attributes.activity_type.name == RECORD_TRANSITION_ACTIVITY:
                    record, = await client.data_converter.decode(attributes.input.payloads, [TransitionRecord])
                    found.records.setdefault(record.seq, record)
            elif event.event_type == EventType.EVENT_TYPE_MARKER_RECORDED:
                record = await _local_record(client, event.marker_recorded_event_attributes)
                if record is not None:
                    found.records.setdefault(record.seq, record)
        if previous_run is None:
            return found
        run_id = previous_run


async def _local_record(client: Client, marker) -> TransitionRecord | None:
    """The record a local record-transition activity answered with (TOKKU_PROJECTION_MODE=local_activity): its
    marker keeps the activity's type in `data` and its result, the record, in `result`."""
    if marker.marker_name != LOCAL_ACTIVITY_MARKER or "data" not in marker.details or "result" not in marker.details:
        return None
    data = marker.details["data"].payloads
    if not data or json.loads(data[0].data).get("activity_type") != RECORD_TRANSITION_LOCAL_ACTIVITY:
        return None
    record, = await client.data_converter.decode(marker.details["result"].payloads, [TransitionRecord])
    return record


@dataclass
class ReadModel:
    """One application's rows as the database holds them."""

    application: Application | None
    status: ApplicationStatus | None
    events: dict[int, Event]
    decisions: dict[int, Decision]
    deadlines: dict[str, Deadline]

    def fingerprint(self) -> tuple:
        """Changes whenever the service writes to this application."""
        return (self.status.last_seq if self.status else None, self.status.status if self.status else None,
                self.status.workflow_id if self.status else None,
                tuple((seq, event.kind, event.occurred_at) for seq, event in sorted(self.events.items())))


async def load_read_model(session: AsyncSession, application_id: int, *, lock: bool = False) -> ReadModel:
    status = await session.get(ApplicationStatus, application_id, with_for_update=lock)
    return ReadModel(
        application=await session.get(Application, application_id),
        status=status,
        events={row.seq: row for row in (await session.execute(
            select(Event).where(Event.application_id == application_id))).scalars()},
        decisions={row.event_seq: row for row in (await session.execute(
            select(Decision).where(Decision.application_id == application_id))).scalars()},
        deadlines={row.key: row for row in (await session.execute(
            select(Deadline).where(Deadline.application_id == application_id))).scalars()})


def _plain(value: Any) -> Any:
    return value.value if hasattr(value, "value") else value


def _event_summary(kind: str, step: Any, outcome: Any) -> str:
    what = "/".join(str(_plain(part)) for part in (step, outcome) if part)
    return f"{kind} {what}".strip()


def event_matches(row: Event, record: TransitionRecord) -> bool:
    expected = event_row(record)
    return all(_plain(getattr(row, name)) == _plain(getattr(expected, name))
               for name in ("kind", "step", "outcome", "status_after", "actor_user_id", "occurred_at"))


def recorded_submission_only(model: ReadModel) -> bool:
    """A submission the API recorded (api_transaction mode) and nothing after it: its workflow can be started
    from the start input kept with it."""
    return (model.status is not None and model.status.start_input is not None and model.status.last_seq <= 1
            and set(model.events) <= {1})


def unsubmitted_draft(model: ReadModel) -> bool:
    """A draft with nothing recorded: the API set its workflow id when the submission began."""
    return (model.status is not None and model.status.status == Status.draft.value and model.status.last_seq == 0
            and not model.events)


@dataclass
class ApplicationRepair:
    """What reconciling one application found, and changes (or would change, in a dry run)."""

    application_id: int
    workflow_id: str | None = None
    mark_submitted: TransitionRecord | None = None
    added: list[TransitionRecord] = field(default_factory=list)
    replaced: list[tuple[Event, TransitionRecord]] = field(default_factory=list)
    removed: list[Event] = field(default_factory=list)
    decisions_added: list[TransitionRecord] = field(default_factory=list)
    decisions_removed: list[int] = field(default_factory=list)
    status_changes: dict[str, tuple[Any, Any]] = field(default_factory=dict)
    deadline_changes: dict[str, str] = field(default_factory=dict)  # key -> added | changed | removed
    attention: list[str] = field(default_factory=list)
    latest: TransitionRecord | None = None
    latest_deadlines: TransitionRecord | None = None
    forget_workflow: bool = False  # a draft whose workflow Temporal never started: its workflow id cleared
    start_recorded: bool = False  # a recorded submission whose workflow Temporal never started: started now

    @property
    def changed(self) -> bool:
        return bool(self.forget_workflow or self.start_recorded or self.mark_submitted or self.added or self.replaced or self.removed
                    or self.decisions_added or self.decisions_removed or self.status_changes or self.deadline_changes)

    def describe(self) -> list[str]:
        name = f"application {self.application_id}"
        lines = []
        if self.forget_workflow:
            lines.append(f"{name}: a draft whose submission never reached Temporal (no workflow {self.workflow_id}): "
                         "its workflow id cleared; the company can submit it again")
        if self.start_recorded:
            lines.append(f"{name}: a submission recorded by the API whose workflow {self.workflow_id} Temporal does "
                         "not have: its workflow started from the recorded submission")
        if self.mark_submitted is not None:
            lines.append(f"{name}: was a draft here but its workflow {self.workflow_id} exists: marked submitted "
                         f"(content version {self.mark_submitted.content_version})")
        lines += [f"{name}: added event #{r.seq} {_event_summary(r.kind, r.step, r.outcome)} (missing)"
                  for r in self.added]
        lines += [f"{name}: replaced event #{row.seq} {_event_summary(row.kind, row.step, row.outcome)} with the "
                  f"workflow's #{r.seq} {_event_summary(r.kind, r.step, r.outcome)} (the old row kept in events_set_aside)"
                  for row, r in self.replaced]
        lines += [f"{name}: removed event #{row.seq} {_event_summary(row.kind, row.step, row.outcome)} by "
                  f"{row.actor_username or 'the process'} at {row.occurred_at:%Y-%m-%d %H:%M:%S}Z, which its workflow "
                  "never recorded (ahead of it; kept in events_set_aside)" for row in self.removed]
        if self.decisions_added:
            lines.append(f"{name}: added the decision rows of events "
                         f"{', '.join('#' + str(r.seq) for r in self.decisions_added)}")
        if self.decisions_removed:
            lines.append(f"{name}: removed decision rows of events "
                         f"{', '.join('#' + str(seq) for seq in self.decisions_removed)} (no such decision)")
        if self.status_changes:
            changes = ", ".join(f"{field_name} {_plain(old)} → {_plain(new)}"
                                for field_name, (old, new) in self.status_changes.items())
            lines.append(f"{name}: status projection set to its workflow's: {changes}")
        if self.deadline_changes:
            changes = ", ".join(f"{key} {what}" for key, what in sorted(self.deadline_changes.items()))
            lines.append(f"{name}: deadlines set to its workflow's: {changes}")
        lines += [f"{name}: NOT REPAIRED: {note}" for note in self.attention]
        return lines


def plan_repair(application_id: int, model: ReadModel, workflow: WorkflowRecords) -> ApplicationRepair:
    """Compare one application's rows with its workflow's records; pure (no I/O)."""
    repair = ApplicationRepair(application_id=application_id, workflow_id=workflow.workflow_id,
                               latest=workflow.latest, latest_deadlines=workflow.latest_deadlines)
    records = workflow.records
    if model.status is not None and model.status.workflow_id is None:
        submitted = next((r for r in records.values() if r.kind == "submitted"), None)
        if submitted is not None:
            repair.mark_submitted = submitted
    for seq, record in sorted(records.items()):
        row = model.events.get(seq)
        if row is None:
            repair.added.append(record)
        elif not event_matches(row, record):
            repair.replaced.append((row, record))
        elif record.kind == "decision" and seq not in model.decisions:
            repair.decisions_added.append(record)
    for seq, row in sorted(model.events.items()):
        if seq in records:
            continue
        if seq >= workflow.covered_from:
            repair.removed.append(row)
        # Older seqs were in runs Temporal no longer keeps: nothing to compare them with; left as they are.
    missing_old = [seq for seq in range(1, workflow.covered_from) if seq not in model.events]
    if missing_old:
        repair.attention.append(f"events {missing_old} are missing and the workflow runs that made them are no "
                                "longer kept by Temporal")
    kept_seqs = {seq for seq, record in records.items() if record.kind == "decision"}
    repair.decisions_removed = sorted(seq for seq in model.decisions
                                      if seq >= workflow.covered_from and seq not in kept_seqs)
    latest = workflow.latest
    if model.status is None or (latest is None and workflow.covered_from > 1):
        return repair
    if latest is None:
        # The workflow was started but its submission never reached its history (a backup taken while the
        # submission was being recorded): the application is a draft again, which the company can submit.
        expected = dict(UNSUBMITTED_STATUS)
    else:
        expected = status_fields(latest)
        submitted = next((r for r in records.values() if r.kind == "submitted"), None)
        if submitted is not None:
            expected["submitted_at"] = submitted.occurred_at
    for name, value in expected.items():
        current = getattr(model.status, name)
        if _plain(current) != _plain(value):
            repair.status_changes[name] = (current, value)
    if workflow.latest_deadlines is not None or latest is None:
        wanted = deadline_fields(workflow.latest_deadlines) if latest is not None else {}
        for key, fields in wanted.items():
            row = model.deadlines.get(key)
            if row is None:
                repair.deadline_changes[key] = "added"
            elif any(_plain(getattr(row, name)) != _plain(value) for name, value in fields.items()):
                repair.deadline_changes[key] = "changed"
        for key in model.deadlines:
            if key not in wanted:
                repair.deadline_changes[key] = "removed"
    return repair


async def _set_aside(session: AsyncSession, rows: list[tuple[Event, str]]) -> None:
    """Move events out of the append-only log into events_set_aside, in the caller's transaction.

    The log refuses DELETE by trigger (migration 0006); the trigger is lifted for these rows only, inside this
    transaction, which already holds the write lock: nothing else can write to the log meanwhile, and the
    trigger is back when the transaction ends, whether it commits or not.
    """
    if not rows:
        return
    for row, because in rows:
        kept = {name: getattr(row, name) for name in SetAsideEvent.model_fields
                if name not in ("id", "event_id", "set_aside_at", "set_aside_because")}
        session.add(SetAsideEvent(event_id=row.id, set_aside_because=because, **kept))
    await session.flush()
    ids = [row.id for row, _ in rows]
    if (await session.connection()).dialect.name == "postgresql":
        await session.execute(text("ALTER TABLE events DISABLE TRIGGER events_append_only"))
        await session.execute(delete(Event).where(Event.id.in_(ids)))
        await session.execute(text("ALTER TABLE events ENABLE TRIGGER events_append_only"))
    else:
        trigger = (await session.execute(text(
            "SELECT sql FROM sqlite_master WHERE type = 'trigger' AND name = 'events_no_delete'"))).scalar_one()
        await session.execute(text("DROP TRIGGER events_no_delete"))
        await session.execute(delete(Event).where(Event.id.in_(ids)))
        await session.execute(text(trigger))
    for row, _ in rows:
        session.expunge(row)


class ChangedMeanwhile(Exception):
    """The service wrote to the application after it was read: plan again."""


async def apply_repair(session: AsyncSession, model: ReadModel, repair: ApplicationRepair) -> None:
    """Write the planned changes into the rows of `model` (read in this session); the caller commits."""
    status = model.status
    if status is not None:
        # The first write: it fails if the activity moved the projection since the read, and on SQLite it
        # takes the write lock, so nothing else commits between here and our commit.
        claimed = await session.execute(
            update(ApplicationStatus)
            .where(ApplicationStatus.application_id == repair.application_id,
                   ApplicationStatus.last_seq == status.last_seq)
            .values(updated_at=status.updated_at).execution_options(synchronize_session=False))
        if claimed.rowcount != 1:
            raise ChangedMeanwhile
    if repair.mark_submitted is not None and status is not None and model.application is not None:
        status.workflow_id = repair.workflow_id
        version = repair.mark_submitted.content_version or model.application.content_version
        exists = (await session.execute(select(ApplicationVersion.id).where(
            ApplicationVersion.application_id == repair.application_id,
            ApplicationVersion.version == version))).first()
        if exists is None and version == model.application.content_version:
            actor = repair.mark_submitted.actor
            session.add(ApplicationVersion(application_id=repair.application_id, version=version,
                                           content=model.application.content,
                                           created_by=actor.user_id if actor else model.application.created_by))
    for seq in repair.decisions_removed:
        decision = model.decisions.pop(seq)
        # A council decision ahead of its workflow leaves the council's record (別添6) with it.
        await session.execute(delete(ConsultationDecision).where(ConsultationDecision.decision_id == decision.id))
        await session.delete(decision)
    reached = repair.latest.seq if repair.latest else 0
    set_aside = [(row, f"ahead of its workflow, whose history ends at #{reached}") for row in repair.removed]
    set_aside += [(row, f"its workflow recorded another transition as #{row.seq}") for row, _ in repair.replaced]
    await _set_aside(session, set_aside)
    for record in [*repair.added, *(record for _, record in repair.replaced)]:
        session.add(event_row(record))
    for record in [*repair.added, *(r for _, r in repair.replaced), *repair.decisions_added]:
        decision = decision_row(record)
        if decision is None:
            continue
        existing = model.decisions.get(record.seq)
        if existing is not None:
            for name in ("step", "outcome", "payload", "decided_by", "decided_at"):
                setattr(existing, name, getattr(decision, name))
            session.add(existing)
        else:
            session.add(decision)
    latest = repair.latest
    if latest is not None and status is not None and (repair.status_changes or repair.mark_submitted):
        apply_status(status, latest, furthest_rank_before=0)
        if "submitted_at" in repair.status_changes:
            status.submitted_at = repair.status_changes["submitted_at"][1]
        session.add(status)
    elif latest is None and status is not None and repair.status_changes:
        for name, (_, value) in repair.status_changes.items():
            setattr(status, name, value)
        session.add(status)
    if repair.latest_deadlines is not None and repair.deadline_changes:
        await project_deadlines(session, repair.latest_deadlines, drop_others=True)
    elif latest is None and repair.deadline_changes:
        await session.execute(delete(Deadline).where(Deadline.application_id == repair.application_id))


@dataclass
class ReconcileReport:
    checked: int = 0
    repairs: list[ApplicationRepair] = field(default_factory=list)
    attention: list[str] = field(default_factory=list)  # not tied to one application's rows

    @property
    def repaired(self) -> list[ApplicationRepair]:
        return [repair for repair in self.repairs if repair.changed]

    @property
    def needs_attention(self) -> bool:
        return bool(self.attention or any(repair.attention for repair in self.repairs))

    def lines(self, *, dry_run: bool = False) -> list[str]:
        lines = [line for repair in self.repairs for line in repair.describe()]
        lines += [f"NOT REPAIRED: {note}" for note in self.attention]
        added = sum(len(r.added) for r in self.repairs)
        removed = sum(len(r.removed) for r in self.repairs)
        replaced = sum(len(r.replaced) for r in self.repairs)
        statuses = sum(1 for r in self.repairs if r.status_changes)
        verb = "would repair" if dry_run else "repaired"
        if self.repaired:
            summary = (f"{verb} {len(self.repaired)} ({added} events added, {removed} removed, {replaced} replaced, "
                       f"{statuses} status projections)")
        else:
            summary = "the read model agrees with every workflow; nothing changed"
        attention = sum(1 for r in self.repairs if r.attention) + len(self.attention)
        if attention:
            summary += f"; {attention} need your attention (NOT REPAIRED above)"
        lines.append(f"reconcile: checked {self.checked} applications against their workflows: {summary}")
        return lines


async def _task_in_flight(client: Client, workflow_id: str) -> bool:
    """The workflow's current run has a workflow task scheduled or running."""
    try:
        description = await client.get_workflow_handle(workflow_id).describe()
    except RPCError as error:
        if error.status == RPCStatusCode.NOT_FOUND:
            return False
        raise
    return description.raw_description.HasField("pending_workflow_task")


async def _workflow_ids(client: Client) -> set[str]:
    return {execution.id async for execution in client.list_workflows(f'WorkflowType = "{WORKFLOW_TYPE}"')}


async def reconcile_application(sessions: async_sessionmaker[AsyncSession], client: Client, application_id: int,
                                workflow_id: str, *, dry_run: bool = False,
                                task_queue: str = DEFAULT_TASK_QUEUE) -> ApplicationRepair:
    started = False  # this call started the workflow of a recorded submission (then planned against it)
    for _ in range(ATTEMPTS):
        async with sessions() as session:
            model = await load_read_model(session, application_id)  # before the history: see the docstring
        workflow = await read_workflow_records(client, workflow_id)
        if workflow is None and (unsubmitted_draft(model) or recorded_submission_only(model)):
            # Its submission was being started when the copies were taken (or the start failed). Check once more
            # after a moment, so a start landing right now is not mistaken for a lost one.
            await asyncio.sleep(IN_FLIGHT_WAIT_SECONDS)
            if await read_workflow_records(client, workflow_id) is not None:
                continue
            if unsubmitted_draft(model):  # a draft again: its workflow id cleared
                repair = ApplicationRepair(application_id=application_id, workflow_id=workflow_id,
                                           forget_workflow=True)
                if not dry_run:
                    async with sessions() as session:
                        await session.execute(
                            update(ApplicationStatus)
                            .where(ApplicationStatus.application_id == application_id,
                                   ApplicationStatus.workflow_id == workflow_id,
                                   ApplicationStatus.status == Status.draft.value, ApplicationStatus.last_seq == 0)
                            .values(workflow_id=None).execution_options(synchronize_session=False))
                        await session.commit()
                return repair
            # A submission the API recorded: its workflow is started from the recorded submission.
            if dry_run:
                return ApplicationRepair(application_id=application_id, workflow_id=workflow_id, start_recorded=True)
            await start_recorded(client, task_queue, StartInput.model_validate(model.status.start_input))
            await in_blocking_session(sessions, lambda session: confirm_started_now(session, [application_id]))
            started = True
            continue  # plan again against the started workflow (its record #1 comes from the start input)
        if workflow is None:
            repair = ApplicationRepair(application_id=application_id, workflow_id=workflow_id)
            repair.attention.append(f"Temporal has no workflow {workflow_id}: its process state is lost (restore "
                                    "a Temporal backup that has it)")
            return repair
        repair = plan_repair(application_id, model, workflow)
        if (repair.removed or repair.replaced) and await _task_in_flight(client, workflow_id):
            # In the local-activity projection mode a transition is written inside its workflow task, before
            # the history has it: a row "ahead" while a task is in flight may be that one. Plan again after it.
            await asyncio.sleep(IN_FLIGHT_WAIT_SECONDS)
            continue
        repair.start_recorded = started
        if dry_run or not repair.changed:
            return repair
        async with sessions() as session:
            locked = await load_read_model(session, application_id, lock=True)
            if locked.fingerprint() != model.fingerprint():
                continue  # the service wrote meanwhile: plan again
            repair = plan_repair(application_id, locked, workflow)
            repair.start_recorded = started
            try:
                await apply_repair(session, locked, repair)
                await session.commit()
            except (ChangedMeanwhile, IntegrityError, OperationalError):  # a concurrent write came first
                await session.rollback()
                continue
        return repair
    repair = ApplicationRepair(application_id=application_id, workflow_id=workflow_id)
    repair.attention.append(f"kept changing while being repaired, or its workflow had a task in flight ({ATTEMPTS} "
                            "attempts): run reconcile again")
    return repair


async def reconcile(sessions: async_sessionmaker[AsyncSession], client: Client, *, dry_run: bool = False,
                    only: Collection[int] | None = None, task_queue: str = DEFAULT_TASK_QUEUE) -> ReconcileReport:
    """Check every application that has (or should have) a workflow — or `only` those — and repair its read
    model unless dry_run."""
    report = ReconcileReport()
    in_temporal = await _workflow_ids(client)
    query = select(ApplicationStatus.application_id, ApplicationStatus.workflow_id)
    if only is not None:
        query = query.where(ApplicationStatus.application_id.in_(list(only)))
    async with sessions() as session:
        rows = (await session.execute(query.order_by(ApplicationStatus.application_id))).all()
    targets = []
    for application_id, workflow_id in rows:
        derived = application_workflow_id(application_id)
        if workflow_id or derived in in_temporal:
            targets.append((application_id, workflow_id or derived))
    if only is None:
        known = {application_workflow_id(application_id) for application_id, _ in rows}
        for orphan in sorted(in_temporal - known):
            report.attention.append(f"workflow {orphan} has no application in the database (created after the "
                                    "database was copied?): its content exists only there; left as it is")
    else:
        report.attention += [f"application {missing} has no status row in the database"
                             for missing in sorted(set(only) - {application_id for application_id, _ in rows})]
    gate = asyncio.Semaphore(CONCURRENCY)

    async def one(application_id: int, workflow_id: str) -> ApplicationRepair:
        async with gate:
            return await reconcile_application(sessions, client, application_id, workflow_id, dry_run=dry_run,
                                               task_queue=task_queue)

    report.repairs = list(await asyncio.gather(*(one(*target) for target in targets)))
    report.checked = len(targets)
    if not dry_run and any(repair.changed for repair in report.repairs):
        async with sessions() as session:  # restored council decisions join their consultation (別添6)
            await sync_council_decisions(session)
    return report

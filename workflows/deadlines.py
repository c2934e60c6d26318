"""The workflow's deadline book-keeping as pure functions: which deadlines a transition, a report or an
extension opens, meets or cancels, what fires next, and when. No Temporal calls: the workflow passes `now`
(workflow.now()) and its state's deadline list, which these functions change in place.

A reminder is identified by (deadline key, due date, lead): moving a deadline gives new identities, so the
reminders follow the new date, and re-planning never sends one twice. A reminder whose time had already
passed when its due date was set is not sent (no "90 days left" for a 30-day deadline).
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta, timezone

from workflows.contracts import (
    OPEN_DEADLINE_STATES,
    TERMINAL_STATUSES,
    DeadlineInfo,
    DeadlineKind,
    DeadlineState,
    PlannedItemRef,
    Status,
)

JST = timezone(timedelta(hours=9), "JST")

SETTLED_BY_JA: dict[DeadlineKind, str] = {
    DeadlineKind.acquisition_window: "取得期限までの設備取得の報告",
    DeadlineKind.planned_acquisition: "取得予定日までの設備取得の報告（または予定の変更）",
    DeadlineKind.annual_report: "事業実施状況報告の提出",
    DeadlineKind.revision_request: "補正のうえ再提出",
    DeadlineKind.step_target: "担当者の判断",
    DeadlineKind.subsidy_claim: "利子補給金の支給申請",
}

# Kinds whose lead-time reminders go to the one who must act (the applicant company, a loan's lender); a step target reminds only when missed.
REMINDED_KINDS = frozenset({DeadlineKind.acquisition_window, DeadlineKind.planned_acquisition,
                            DeadlineKind.annual_report, DeadlineKind.revision_request,
                            DeadlineKind.subsidy_claim})


def end_of_day(day: date) -> datetime:
    """A date-only deadline ends at 23:59:59 Japan time."""
    return datetime.combine(day, time(23, 59, 59), tzinfo=JST).astimezone(UTC)


def fiscal_year(day: date) -> int:
    """Japanese fiscal years run April to March: 2023-03-31 is FY2022."""
    return day.year if day.month >= 4 else day.year - 1


def format_lead(lead_days: float) -> str:
    return str(int(lead_days)) if float(lead_days).is_integer() else f"{lead_days:g}"


def reminder_id(deadline: DeadlineInfo, lead_days: float) -> str:
    return f"{deadline.key}|{deadline.due_at.isoformat()}|{format_lead(lead_days)}"


def miss_id(deadline: DeadlineInfo) -> str:
    return f"{deadline.key}|{deadline.due_at.isoformat()}|missed"


def next_action(deadlines: list[DeadlineInfo], done: set[str],
                lead_days: list[float]) -> tuple[datetime, str, DeadlineInfo, float | None] | None:
    """The earliest thing to do: ("remind", deadline, lead) or ("miss", deadline, None), with its time."""
    best: tuple[datetime, str, DeadlineInfo, float | None] | None = None
    for deadline in deadlines:
        if deadline.state not in OPEN_DEADLINE_STATES:
            continue
        candidates: list[tuple[datetime, str, float | None]] = []
        if deadline.kind in REMINDED_KINDS:
            for lead in sorted(set(lead_days), reverse=True):
                fire_at = deadline.due_at - timedelta(days=lead)
                if fire_at > deadline.planned_at and reminder_id(deadline, lead) not in done:
                    candidates.append((fire_at, "remind", lead))
        if miss_id(deadline) not in done:
            candidates.append((deadline.due_at, "miss", None))
        for fire_at, action, lead in candidates:
            if best is None or fire_at < best[0]:
                best = (fire_at, action, deadline, lead)
    return best


# --- the list the workflow keeps ---------------------------------------------------------------------------


def find(deadlines: list[DeadlineInfo], key: str) -> DeadlineInfo | None:
    return next((deadline for deadline in deadlines if deadline.key == key), None)


def add(deadlines: list[DeadlineInfo], *new: DeadlineInfo) -> None:
    """Add deadlines at the end; one with a key already there replaces it in its place."""
    for deadline in new:
        index = next((i for i, existing in enumerate(deadlines) if existing.key == deadline.key), None)
        if index is None:
            deadlines.append(deadline)
        else:
            deadlines[index] = deadline


# --- transitions -------------------------------------------------------------------------------------------


def settle_left_step(deadlines: list[DeadlineInfo], *, leaving: Status, entering: Status) -> None:
    """A transition meets the target of the step it leaves (and the revision deadline when it leaves
    revision_requested); a transition that ends the application cancels them instead."""
    settled = DeadlineState.cancelled if entering in TERMINAL_STATUSES else DeadlineState.met
    for deadline in deadlines:
        if deadline.state in OPEN_DEADLINE_STATES and (
                (deadline.kind == DeadlineKind.step_target and deadline.step == leaving)
                or (deadline.kind == DeadlineKind.revision_request and leaving == Status.revision_requested)):
            deadline.state = settled


def cancel_open(deadlines: list[DeadlineInfo]) -> None:
    """The application ended: nothing still open can be met any more (and no reminder is sent for it)."""
    for deadline in deadlines:
        if deadline.state in OPEN_DEADLINE_STATES:
            deadline.state = DeadlineState.cancelled


def revision_deadline(*, now: datetime, days: int, returned_from: Status, transition: int) -> DeadlineInfo:
    """The applicant's deadline to resubmit an application returned at `returned_from` by transition number
    `transition` (numbered from 1, so each return has its own key)."""
    due = now + timedelta(days=days)
    return DeadlineInfo(key=f"revision:{transition}", kind=DeadlineKind.revision_request, due_at=due,
                        original_due_at=due, planned_at=now,
                        settled_by=SETTLED_BY_JA[DeadlineKind.revision_request], step=returned_from)


def step_target_deadline(*, now: datetime, step: Status, step_target_days: dict[str, int],
                         transition: int) -> DeadlineInfo | None:
    """The target duration of the step entered by transition number `transition`; None for a step without
    a target (follow-up, revision, the ends)."""
    days = step_target_days.get(step.value)
    if not days:
        return None
    due = now + timedelta(days=days)
    return DeadlineInfo(key=f"step:{step.value}:{transition}", kind=DeadlineKind.step_target, due_at=due,
                        original_due_at=due, planned_at=now, settled_by=SETTLED_BY_JA[DeadlineKind.step_target],
                        step=step)


# --- follow-up reports and extensions ----------------------------------------------------------------------


def settle_acquisition(deadlines: list[DeadlineInfo], equipment_item_id: int) -> list[str]:
    """A report of a planned item's acquisition meets its window and its planned date; the keys it met."""
    met = []
    for key in (f"acquisition:item:{equipment_item_id}", f"planned:item:{equipment_item_id}"):
        deadline = find(deadlines, key)
        if deadline is not None and deadline.state in OPEN_DEADLINE_STATES:
            deadline.state = DeadlineState.met
            met.append(key)
    return met


def reopen(deadlines: list[DeadlineInfo], keys: list[str]) -> list[str]:
    """A queried report no longer meets its deadlines: they are open again (extended if they were) until the
    company answers; the keys reopened."""
    reopened = []
    for key in keys:
        deadline = find(deadlines, key)
        if deadline is not None and deadline.state == DeadlineState.met:
            deadline.state = DeadlineState.extended if deadline.extension_reason else DeadlineState.open
            reopened.append(key)
    return reopened


def acquisition_keys(equipment_item_id: int) -> list[str]:
    return [f"acquisition:item:{equipment_item_id}", f"planned:item:{equipment_item_id}"]


def annual_report_key(fiscal_year: int) -> str:
    return f"annual:{fiscal_year}"


def annual_report_years(deadlines: list[DeadlineInfo]) -> list[int]:
    return sorted(d.fiscal_year for d in deadlines if d.kind == DeadlineKind.annual_report)


def settle_annual_report(deadlines: list[DeadlineInfo], fiscal_year: int) -> None:
    """The year's report is in: its deadline is met, even when late (the escalation already sent stands)."""
    deadline = find(deadlines, annual_report_key(fiscal_year))
    if deadline is not None and (deadline.state in OPEN_DEADLINE_STATES or deadline.state == DeadlineState.missed):
        deadline.state = DeadlineState.met


def extend(deadline: DeadlineInfo, *, new_due_at: datetime, now: datetime, reason: str) -> datetime:
    """Move a deadline to a later date (its reminders are planned again from `now`); the date it had."""
    previous = deadline.due_at
    deadline.due_at = new_due_at
    deadline.planned_at = now
    deadline.state = DeadlineState.extended
    deadline.extension_reason = reason
    return previous


def follow_up_settled(deadlines: list[DeadlineInfo], items: list[PlannedItemRef], settled_items: list[int]) -> bool:
    """Every planned item confirmed by an official and every annual report in: the follow-up can complete
    when its period ends."""
    items_settled = all(item.id in settled_items for item in items)
    reports_in = all(d.state == DeadlineState.met for d in deadlines if d.kind == DeadlineKind.annual_report)
    return items_settled and reports_in

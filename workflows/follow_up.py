"""The follow-up plan made at designation: which deadlines the designated corporation has, and when.

- acquisition window end, per planned item (the designation's acquisition_until, never past the sunset);
- planned acquisition date, per item that has one still ahead;
- the annual implementation report (事業実施状況報告) for each fiscal year the window touches, due on the
  configured day after that fiscal year ends.
"""

from __future__ import annotations

from datetime import date, datetime

from workflows.contracts import (
    OPEN_DEADLINE_STATES,
    DeadlineInfo,
    DeadlineKind,
    DeadlineState,
    FollowUpSettings,
    PlannedItemRef,
)
from workflows.deadlines import SETTLED_BY_JA, add, end_of_day, find, fiscal_year


def acquisition_window(designation: dict, settings: FollowUpSettings) -> tuple[date, date]:
    start = date.fromisoformat(str(designation["acquisition_from"]))
    until = min(date.fromisoformat(str(designation["acquisition_until"])), settings.measure_sunset)
    return start, until


def follow_up_deadlines(*, now: datetime, designation: dict, items: list[PlannedItemRef],
                        settings: FollowUpSettings) -> list[DeadlineInfo]:
    designated_on = date.fromisoformat(str(designation["designated_on"]))
    _, until = acquisition_window(designation, settings)
    window_end = end_of_day(until)

    def deadline(key: str, kind: DeadlineKind, due: datetime, settled_by: str, **extra) -> DeadlineInfo:
        return DeadlineInfo(key=key, kind=kind, due_at=due, original_due_at=due, planned_at=now,
                            settled_by=settled_by, **extra)

    deadlines = []
    for item in items:
        deadlines.append(deadline(f"acquisition:item:{item.id}", DeadlineKind.acquisition_window, window_end,
                                  f"{SETTLED_BY_JA[DeadlineKind.acquisition_window]}: {item.description}",
                                  equipment_item_id=item.id))
        if item.planned_acquisition_on:
            due = end_of_day(item.planned_acquisition_on)
            if due > now:
                deadlines.append(deadline(f"planned:item:{item.id}", DeadlineKind.planned_acquisition, due,
                                          f"{SETTLED_BY_JA[DeadlineKind.planned_acquisition]}: {item.description}",
                                          equipment_item_id=item.id))
    for year in range(fiscal_year(designated_on), fiscal_year(until) + 1):
        due = end_of_day(date(year + 1, settings.annual_report_due_month, settings.annual_report_due_day))
        deadlines.append(deadline(f"annual:{year}", DeadlineKind.annual_report, due,
                                  f"{SETTLED_BY_JA[DeadlineKind.annual_report]}（{year}年度）", fiscal_year=year))
    return deadlines


def replan_items(deadlines: list[DeadlineInfo], *, now: datetime, designation: dict, items: list[PlannedItemRef],
                 settings: FollowUpSettings) -> None:
    """Follow a new version of the plan (docs/plan-changes.md): a new item gets its window and planned date, a
    moved planned date or window moves (reminders follow the new date; an official's later extension stands),
    a planned date moved after it was missed opens again, and an item no longer planned is cancelled. Met
    deadlines and filed reports stay as they are."""
    desired = follow_up_deadlines(now=now, designation=designation, items=items, settings=settings)
    for wanted in desired:
        existing = find(deadlines, wanted.key)
        if existing is None:
            add(deadlines, wanted)
        elif existing.state in OPEN_DEADLINE_STATES and existing.due_at != wanted.due_at:
            keep_extension = existing.kind == DeadlineKind.acquisition_window and \
                existing.state == DeadlineState.extended
            existing.due_at = max(existing.due_at, wanted.due_at) if keep_extension else wanted.due_at
            existing.planned_at = now
            existing.settled_by = wanted.settled_by
        elif existing.state == DeadlineState.missed and existing.kind == DeadlineKind.planned_acquisition \
                and existing.due_at != wanted.due_at:
            existing.due_at, existing.planned_at, existing.state = wanted.due_at, now, DeadlineState.open
    wanted_keys = {deadline.key for deadline in desired}
    for deadline in deadlines:
        if deadline.equipment_item_id is not None and deadline.state in OPEN_DEADLINE_STATES \
                and deadline.key not in wanted_keys:
            deadline.state = DeadlineState.cancelled

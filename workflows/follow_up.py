"""The follow-up plan made at designation: which deadlines the designated corporation has, and when.

- acquisition window end, per planned item (the designation's acquisition_until, never past the sunset);
- planned acquisition date, per item that has one still ahead;
- the annual implementation report (事業実施状況報告) for each fiscal year the window touches, due on the
  configured day after that fiscal year ends.
"""

from __future__ import annotations

from datetime import date, datetime

from workflows.contracts import DeadlineInfo, DeadlineKind, FollowUpSettings, PlannedItemRef
from workflows.deadlines import SETTLED_BY_JA, end_of_day, fiscal_year


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

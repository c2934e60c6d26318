"""Deadlines and their reminders as pure functions: what fires next, and when.

A reminder is identified by (deadline key, due date, lead): moving a deadline gives new identities, so the
reminders follow the new date, and re-planning never sends one twice. A reminder whose time had already
passed when its due date was set is not sent (no "90 days left" for a 30-day deadline).
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta, timezone

from workflows.contracts import OPEN_DEADLINE_STATES, DeadlineInfo, DeadlineKind

JST = timezone(timedelta(hours=9), "JST")

SETTLED_BY_JA: dict[DeadlineKind, str] = {
    DeadlineKind.acquisition_window: "取得期限までの設備取得の報告",
    DeadlineKind.planned_acquisition: "取得予定日までの設備取得の報告（または予定の変更）",
    DeadlineKind.annual_report: "事業実施状況報告の提出",
    DeadlineKind.revision_request: "補正のうえ再提出",
    DeadlineKind.step_target: "担当者の判断",
}

# Kinds whose lead-time reminders go to the applicant company; a step target reminds only when missed.
REMINDED_KINDS = frozenset({DeadlineKind.acquisition_window, DeadlineKind.planned_acquisition,
                            DeadlineKind.annual_report, DeadlineKind.revision_request})


def end_of_day(day: date) -> datetime:
    """A date-only deadline ends at 23:59:59 Japan time."""
    return datetime.combine(day, time(23, 59, 59), tzinfo=JST).astimezone(timezone.utc)


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

"""The inbox as keyset pages whose cost does not grow with the table.

An inbox spans several steps (a local official holds intake review, local filing, designation and
follow-up) ordered by due date with undated tasks last. One `status IN (…) ORDER BY due` query has to sort
every matching row before it can return the first page. Instead, each step's dated and undated rows are
read in index order (ix_application_status_status_due: status, step_due_at, application_id), at most one
page from each, and only those few rows are merged and sorted. A cursor names the last task of a page.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Select, and_, or_, select, union_all

from services.core.exceptions import Invalid
from services.core.models import Application, ApplicationStatus
from workflows.contracts import Status

TASKS_CAP = 1000  # the most one request returns
SORTS = ("due", "-due", "id")  # oldest due first; latest due first; newest application first


@dataclass(frozen=True)
class TaskCursor:
    sort: str
    due_at: datetime | None
    application_id: int

    def encode(self) -> str:
        text = f"{self.sort}|{self.due_at.isoformat() if self.due_at else ''}|{self.application_id}"
        return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")

    @classmethod
    def decode(cls, cursor: str, sort: str) -> "TaskCursor":
        try:
            cursor_sort, due, application_id = base64.urlsafe_b64decode(
                cursor + "=" * (-len(cursor) % 4)).decode().split("|")
            decoded = cls(cursor_sort, datetime.fromisoformat(due) if due else None, int(application_id))
        except (ValueError, UnicodeDecodeError):
            decoded = None
        if decoded is None or decoded.sort != sort or (decoded.due_at and decoded.due_at.tzinfo is None):
            raise Invalid("the cursor is not valid for this inbox; use next_cursor from the previous page, same sort",
                          "カーソルが不正です。同じ並び順で前のページの next_cursor を指定してください")
        return decoded


def page_query(steps: list[Status], due_column, visibility, sort: str, limit: int,
               after: TaskCursor | None) -> Select:
    """Rows (application_id, status, government, due_at, project_name, content) of one page, plus one more
    row when a next page exists."""
    application_id = ApplicationStatus.application_id
    parts = []
    for step in steps:
        base = (select(application_id.label("application_id"), ApplicationStatus.status.label("status"),
                       ApplicationStatus.government.label("government"), due_column.label("due_at"))
                .where(ApplicationStatus.status == step.value, visibility))
        if sort == "id":
            if after is not None:
                base = base.where(application_id < after.application_id)
            parts.append(base.order_by(application_id.desc()).limit(limit + 1))
            continue
        if after is None or after.due_at is not None:  # dated tasks come before every undated one
            dated = base.where(due_column.is_not(None))
            if after is not None:
                beyond = due_column > after.due_at if sort == "due" else due_column < after.due_at
                dated = dated.where(or_(beyond, and_(due_column == after.due_at,
                                                     application_id > after.application_id)))
            order = due_column.asc() if sort == "due" else due_column.desc()
            parts.append(dated.order_by(order, application_id).limit(limit + 1))
        undated = base.where(due_column.is_(None))
        if after is not None and after.due_at is None:
            undated = undated.where(application_id > after.application_id)
        parts.append(undated.order_by(application_id).limit(limit + 1))
    merged = union_all(*(select(part.subquery()) for part in parts)).subquery("inbox")
    page = select(merged).order_by(*_order(merged, sort)).limit(limit + 1).subquery("page")
    # The content (for the company's name) is read for this page's rows only.
    return (select(page, Application.project_name, Application.content)
            .join(Application, Application.id == page.c.application_id)
            .order_by(*_order(page, sort)))


def _order(rows, sort: str) -> tuple:
    if sort == "id":
        return (rows.c.application_id.desc(),)
    due = rows.c.due_at.asc() if sort == "due" else rows.c.due_at.desc()
    return rows.c.due_at.is_(None), due, rows.c.application_id

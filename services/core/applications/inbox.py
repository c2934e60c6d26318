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

from sqlalchemy import Select, and_, bindparam, or_, select, union_all

from services.core.applications.models import Application, ApplicationStatus
from services.core.platform.exceptions import Invalid
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
    def decode(cls, cursor: str, sort: str) -> TaskCursor:
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
               after: TaskCursor | None) -> tuple[Select, dict]:
    """The statement and parameters for one page: rows (application_id, status, government, due_at,
    project_name, applicant_name, zone_area), plus one more row when a next page exists.

    Building this union costs more than running it on an indexed table, so each shape is built once:
    the key holds the visibility condition as literal SQL (whatever it depends on, two callers who see
    different rows never share a statement); the cursor and page size are bound parameters."""
    cursor_kind = None if after is None else "undated" if after.due_at is None else "dated"
    key = (tuple(steps), due_column.key, str(visibility.compile(compile_kwargs={"literal_binds": True})),
           sort, cursor_kind)
    statement = _STATEMENTS.get(key)
    if statement is None:
        if len(_STATEMENTS) >= _STATEMENTS_MAX:
            _STATEMENTS.clear()
        statement = _STATEMENTS[key] = _build(steps, due_column, visibility, sort, cursor_kind)
    parameters = {"page_rows": limit + 1}
    if after is not None:
        parameters.update(after_due=after.due_at, after_id=after.application_id)
    return statement, parameters


_STATEMENTS: dict[tuple, Select] = {}
_STATEMENTS_MAX = 1024


def _build(steps: list[Status], due_column, visibility, sort: str, cursor_kind: str | None) -> Select:
    application_id = ApplicationStatus.application_id
    page_rows, after_due, after_id = bindparam("page_rows"), bindparam("after_due"), bindparam("after_id")
    parts = []
    for step in steps:
        base = (select(application_id.label("application_id"), ApplicationStatus.status.label("status"),
                       ApplicationStatus.government.label("government"), due_column.label("due_at"))
                .where(ApplicationStatus.status == step.value, visibility))
        if sort == "id":
            if cursor_kind is not None:
                base = base.where(application_id < after_id)
            parts.append(base.order_by(application_id.desc()).limit(page_rows))
            continue
        if cursor_kind != "undated":  # dated tasks come before every undated one
            dated = base.where(due_column.is_not(None))
            if cursor_kind == "dated":
                beyond = due_column > after_due if sort == "due" else due_column < after_due
                dated = dated.where(or_(beyond, and_(due_column == after_due, application_id > after_id)))
            order = due_column.asc() if sort == "due" else due_column.desc()
            parts.append(dated.order_by(order, application_id).limit(page_rows))
        undated = base.where(due_column.is_(None))
        if cursor_kind == "undated":
            undated = undated.where(application_id > after_id)
        # Ordering by the (all-null) due column too lets PostgreSQL see the index order; by id alone it
        # scans the primary key of the whole table instead.
        parts.append(undated.order_by(due_column, application_id).limit(page_rows))
    merged = union_all(*(select(part.subquery()) for part in parts)).subquery("inbox")
    page = select(merged).order_by(*_order(merged, sort)).limit(page_rows).subquery("page")
    # Only the company's name is read from this page's content, in SQL (json_extract / ->>).
    applicant_name = Application.content["applicant"]["name"].as_string().label("applicant_name")
    return (select(page, Application.project_name, applicant_name, Application.zone_area)
            .join(Application, Application.id == page.c.application_id)
            .order_by(*_order(page, sort)))


def _order(rows, sort: str) -> tuple:
    if sort == "id":
        return (rows.c.application_id.desc(),)
    due = rows.c.due_at.asc() if sort == "due" else rows.c.due_at.desc()
    return rows.c.due_at.is_(None), due, rows.c.application_id

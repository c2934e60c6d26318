"""The inbox in keyset pages (services/core/inbox_query.py): following the cursor gives exactly the unpaged
inbox, in every sort, for every role, with ties and undated tasks; on SQLite and PostgreSQL. Over HTTP the
cursor travels in X-Next-Cursor, and a bad one is a 422 in English and Japanese."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime

import psycopg
import pytest
from sqlalchemy import select, update

from bench.content import bulk_insert_applications, company_ids, plan_contents, user_and_org
from services.core.accounts.models import User
from services.core.applications import access
from services.core.applications.models import Application, ApplicationStatus
from services.core.applications.service import ApplicationService
from services.core.platform.db import create_engine, session_factory
from services.core.platform.migrate import upgrade
from services.core.platform.settings import Settings
from services.dev.demo_seed import create_demo_accounts
from tests.factories import application_body
from workflows import rules
from workflows.contracts import Role, Status

ADMIN_DSN = "postgresql://postgres@127.0.0.1:5432/postgres"
SPREAD = (Status.intake_review, Status.local_filing, Status.designation, Status.follow_up,
          Status.revision_requested, Status.council_consultation, Status.national_review, Status.completed)


@pytest.fixture(params=["sqlite", "postgres"])
async def inbox_sessions(request, tmp_path):
    name = None
    if request.param == "sqlite":
        url = f"sqlite+aiosqlite:///{tmp_path / 'inbox.db'}"
    else:
        name = f"tokku_inbox_{uuid.uuid4().hex[:10]}"
        try:
            with psycopg.connect(ADMIN_DSN, autocommit=True, connect_timeout=3) as connection:
                connection.execute(f'CREATE DATABASE "{name}"')
        except psycopg.OperationalError as error:
            pytest.skip(f"PostgreSQL not reachable on 127.0.0.1:5432: {error}")
        url = f"postgresql+psycopg://postgres@127.0.0.1:5432/{name}"
    await asyncio.to_thread(upgrade, url)
    engine = create_engine(url)
    sessions = session_factory(engine)
    await create_demo_accounts(sessions)
    creator, _ = await user_and_org(sessions, "applicant1")
    companies = await company_ids(sessions)
    ids = await bulk_insert_applications(sessions, 120, created_by=creator,
                                         organization_for=lambda i: companies[i % len(companies)],
                                         status_for=lambda i: SPREAD[i % len(SPREAD)])
    # Ties on the due date (the id decides), and dated and undated rows in the same step.
    tie = datetime(2030, 1, 1, tzinfo=UTC)
    async with sessions() as session:
        await session.execute(update(ApplicationStatus).where(ApplicationStatus.application_id.in_(ids[:40:2]))
                              .values(step_due_at=tie, revision_due_at=tie))
        await session.execute(update(ApplicationStatus).where(ApplicationStatus.application_id.in_(ids[1:30:3]))
                              .values(step_due_at=None, revision_due_at=None))
        await session.commit()
    yield sessions
    await engine.dispose()
    if name:
        with psycopg.connect(ADMIN_DSN, autocommit=True) as connection:
            connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def expected_order(rows: list[ApplicationStatus], user: User, sort: str) -> list[int]:
    """The inbox computed in Python from every row: visible, in the caller's steps, in the documented order."""
    if user.role == Role.applicant:
        steps, due_of = {Status.revision_requested}, (lambda row: row.revision_due_at)
    else:
        steps = {step for step, role in rules.STEP_ROLE.items() if role == user.role}
        due_of = lambda row: row.step_due_at  # noqa: E731
    mine = [row for row in rows if row.status in steps and access.can_see(user, row)]
    if sort == "id":
        return [row.application_id for row in sorted(mine, key=lambda row: -row.application_id)]
    far = datetime.max.replace(tzinfo=UTC)

    def key(row):
        due = due_of(row)
        moment = (due or far).timestamp()
        return (due is None, moment if sort == "due" else -moment, row.application_id)

    return [row.application_id for row in sorted(mine, key=key)]


@pytest.mark.parametrize("sort", ["due", "-due", "id"])
@pytest.mark.parametrize("username", ["kawasaki1", "kanagawa1", "secretariat1", "applicant1"])
async def test_pages_follow_the_unpaged_inbox(inbox_sessions, sort, username):
    service = ApplicationService(inbox_sessions, None, Settings())
    async with inbox_sessions() as session:
        user = (await session.execute(select(User).where(User.username == username))).scalars().one()
        rows = list((await session.execute(select(ApplicationStatus))).scalars())
    unpaged, cursor = await service.task_page(user, sort=sort)
    assert cursor is None
    assert [task.application_id for task in unpaged] == expected_order(rows, user, sort)
    assert len(unpaged) >= 8, "the fixture should fill this inbox"
    names = {content.applicant.name for content in plan_contents()}
    assert all(task.applicant_name in names and task.project_name for task in unpaged)
    paged, cursor, pages = [], None, 0
    while True:
        page, cursor = await service.task_page(user, sort=sort, limit=7, cursor=cursor)
        paged += page
        pages += 1
        assert len(page) <= 7
        if cursor is None:
            break
    assert [task.application_id for task in paged] == [task.application_id for task in unpaged]
    assert pages == -(-len(unpaged) // 7)


async def test_inbox_cursor_over_http(as_user):
    applicant = await as_user("applicant1")
    for _ in range(2):
        created = await applicant.post("/applications", application_body())
        assert (await applicant.post(f"/applications/{created.json()['id']}/submit")).status_code == 200
    official = await as_user("kawasaki1")
    everything = (await official.get("/tasks")).json()
    first = await official.get("/tasks", params={"limit": 1})
    assert first.status_code == 200 and len(first.json()) == 1
    assert first.json()[0]["application_id"] == everything[0]["application_id"]
    mine = [task for task in everything if task["application_id"] == created.json()["id"]]
    assert mine and mine[0]["applicant_name"] == "ペプチドリーム株式会社" and mine[0]["step"] == "intake_review"
    second = await official.get("/tasks", params={"limit": 1, "cursor": first.headers["X-Next-Cursor"]})
    assert [t["application_id"] for t in second.json()] == [everything[1]["application_id"]]

    wrong = await official.get("/tasks", params={"limit": 1, "cursor": "not-a-cursor"})
    assert wrong.status_code == 422
    detail = wrong.json()["detail"]
    assert "cursor" in detail["message"] and "カーソル" in detail["message_ja"]
    assert (await official.get("/tasks", params={"limit": 0})).status_code == 422


async def test_list_reads_the_company_name_in_sql(inbox_sessions):
    """The list reads only the applicant's name out of the content (json_extract / ->>), not the document."""
    service = ApplicationService(inbox_sessions, None, Settings())
    async with inbox_sessions() as session:
        admin = (await session.execute(select(User).where(User.username == "admin1"))).scalars().one()
        contents = {row.id: row.content for row in (await session.execute(select(Application))).scalars()}
    page = await service.list(admin, status=None, limit=50, cursor=None)
    assert len(page.items) == 50 and page.next_cursor
    for item in page.items:
        assert item.applicant_name == contents[item.id]["applicant"]["name"]

"""What the benchmark submits and bulk-loads: the zone plan's own applications (data/seed-plan.json), so
rows are the size real ones are."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from functools import lru_cache

from sqlalchemy import func, insert, select, text

from services.core.accounts.models import Organization, User
from services.core.applications.models import Application, ApplicationStatus, EquipmentItem
from services.core.applications.schemas import ApplicationContent
from services.core.platform.settings import Settings
from services.core.zone.plan import load_plan
from services.dev.demo_seed import plan_applications
from workflows import rules
from workflows.contracts import Status, application_workflow_id

BATCH = 2000
# Officials' steps carry a due date; the others none (as the workflow's projection writes them).
STEP_DAYS = Settings().step_target_days


@lru_cache
def plan_contents() -> tuple[ApplicationContent, ...]:
    return tuple(content for _, content in plan_applications(load_plan(Settings().seed_plan_path)))


def intake_body() -> dict:
    """ペプチドリーム's application (applicant1's company), as a company would POST it."""
    content = next(c for c in plan_contents() if c.applicant.name == "ペプチドリーム株式会社")
    return content.model_dump(mode="json", exclude_none=True)


async def user_and_org(sessions, username: str) -> tuple[int, int]:
    async with sessions() as session:
        user = (await session.execute(select(User).where(User.username == username))).scalars().one()
        return user.id, user.organization_id


async def company_ids(sessions) -> list[int]:
    async with sessions() as session:
        return list((await session.execute(select(Organization.id).where(Organization.kind == "company")
                                           .order_by(Organization.id))).scalars())


async def bulk_insert_applications(sessions, count: int, *, created_by: int,
                                   organization_for: Callable[[int], int], status_for: Callable[[int], Status],
                                   with_workflow: bool = False, with_item: bool = False) -> list[int]:
    """Insert `count` applications with their status rows (and one planned item each) in batches, with
    explicit ids after the current maximum; returns the new ids. Content cycles through the plan's projects."""
    contents = plan_contents()
    async with sessions() as session:
        first_id = ((await session.execute(select(func.max(Application.id)))).scalar() or 0) + 1
        first_item = ((await session.execute(select(func.max(EquipmentItem.id)))).scalar() or 0) + 1
    ids = list(range(first_id, first_id + count))
    now = datetime.now(UTC)
    for offset in range(0, count, BATCH):
        applications, statuses, items = [], [], []
        for index in range(offset, min(offset + BATCH, count)):
            application_id = ids[index]
            content = contents[index % len(contents)]
            status = status_for(index)
            created = now - timedelta(minutes=count - index)
            days = STEP_DAYS.get(status.value)
            dumped = content.model_dump(mode="json", exclude_none=True)
            dumped["project_name"] = f"{content.project_name}（{application_id}）"
            applications.append({
                "id": application_id, "organization_id": organization_for(index), "created_by": created_by,
                "idempotency_key": None, "content": dumped, "content_version": 1, "measure": "tax_incentive",
                "project_name": dumped["project_name"], "government": content.government.value,
                "created_at": created, "updated_at": created})
            statuses.append({
                "application_id": application_id, "status": status.value,
                "current_step": status.value if status in rules.STEP_ROLE else None,
                "government": content.government.value, "organization_id": organization_for(index),
                "step_due_at": created + timedelta(days=days, seconds=index % 3600) if days else None,
                "revision_due_at": created + timedelta(days=30) if status == Status.revision_requested else None,
                "returned_from": Status.intake_review.value if status == Status.revision_requested else None,
                "furthest_step": status.value, "furthest_rank": max(rules.progress_rank(status), 1),
                "last_seq": 0, "workflow_id": application_workflow_id(application_id) if with_workflow else None,
                "submitted_at": created, "updated_at": created})
            if with_item:
                items.append({"id": first_item + index, "application_id": application_id, "position": 1,
                              "asset_class": "machinery", "description": "研究開発用設備一式",
                              "planned_cost_jpy": 30_000_000, "planned_acquisition_on": None})
        async with sessions() as session:
            await session.execute(insert(Application.__table__), applications)
            await session.execute(insert(ApplicationStatus.__table__), statuses)
            if items:
                await session.execute(insert(EquipmentItem.__table__), items)
            await session.commit()
    async with sessions() as session:
        if session.bind.dialect.name == "postgresql":  # explicit ids: move the sequences past them
            for table in ("applications", "equipment_items"):
                await session.execute(text(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                                           f"(SELECT COALESCE(MAX(id), 1) FROM {table}))"))
            await session.commit()
    return ids


async def item_ids(sessions, application_ids: list[int]) -> dict[int, int]:
    async with sessions() as session:
        rows = await session.execute(select(EquipmentItem.application_id, EquipmentItem.id).where(
            EquipmentItem.application_id.between(min(application_ids), max(application_ids))))
        return dict(rows.all())


async def count_applications(sessions) -> int:
    async with sessions() as session:
        return (await session.execute(select(func.count()).select_from(Application))).scalar_one()

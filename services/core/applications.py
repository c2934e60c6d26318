"""The application service: drafts, submission, decisions, reads. Framework-free; the API and the demo
seeding call the same functions.

Content lives in the database; the process lives in the Temporal workflow. Commands that move the process
are Temporal Updates; reads come from SQL (the projection the workflow's activity keeps).
"""

from __future__ import annotations

import base64
import uuid
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

from pydantic import ValidationError
from sqlalchemy import and_, delete, false, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlalchemy.ext.asyncio import AsyncSession
from temporalio.client import Client, WithStartWorkflowOperation, WorkflowUpdateFailedError
from temporalio.common import WorkflowIDConflictPolicy
from temporalio.exceptions import ApplicationError
from temporalio.service import RPCError, RPCStatusCode

from services.core.exceptions import Conflict, DomainError, Forbidden, Invalid, NotFound, Unavailable
from services.core.inbox_query import SORTS as TASK_SORTS
from services.core.inbox_query import TASKS_CAP, TaskCursor
from services.core.inbox_query import page_query as task_page_query
from services.core.models import (
    Application,
    ApplicationStatus,
    ApplicationVersion,
    EquipmentItem,
    Event,
    Organization,
    User,
    utcnow,
)
from services.core.schemas import (
    ApplicationContent,
    ApplicationPage,
    ApplicationPublic,
    ApplicationSummary,
    DeadlinePublic,
    DecisionRequest,
    EventPublic,
    TaskPublic,
    actor_for,
    missing_for_submission,
)
from services.core.settings import Settings
from workflows import rules
from workflows.contracts import (
    DECISION_FIELDS,
    ApplicationState,
    DecisionInput,
    Government,
    ResubmitInput,
    Role,
    StartInput,
    Status,
    SubmitInput,
    WithdrawInput,
    application_workflow_id,
)
from workflows.designation import ApplicationWorkflow

EDITABLE_STATUSES = (Status.draft, Status.revision_requested)
MAX_PAGE = 200

_HTTP_FOR_CODE: dict[str, type[DomainError]] = {"wrong_step": Conflict, "forbidden": Forbidden, "invalid": Invalid}


def validation_errors(error: ValidationError) -> list[dict[str, Any]]:
    return [{"field": ".".join(str(part) for part in e["loc"]), "message": e["msg"]} for e in error.errors()]


@dataclass
class ApplicationService:
    sessions: async_sessionmaker[AsyncSession]
    temporal: Client
    settings: Settings

    # --- drafts -----------------------------------------------------------------------------------------

    async def create_draft(self, user: User, content: ApplicationContent,
                           idempotency_key: str | None = None) -> tuple[ApplicationPublic, bool]:
        """Create a draft; with an idempotency key, a retried request returns the first draft (created=False)."""
        self._require_role(user, Role.applicant, "only applicant companies create applications",
                           "申請の作成は申請企業の利用者のみ行えます")
        async with self.sessions() as session:
            if idempotency_key:
                existing = await self._by_idempotency_key(session, user, idempotency_key)
                if existing is not None:
                    return await self._public(session, existing), False
            application = Application(organization_id=user.organization_id, created_by=user.id,
                                      idempotency_key=idempotency_key)
            self._apply_content(application, content)
            session.add(application)
            try:
                await session.flush()
            except IntegrityError:  # the same key raced in from a parallel retry
                await session.rollback()
                existing = await self._by_idempotency_key(session, user, idempotency_key or "")
                if existing is None:
                    raise
                return await self._public(session, existing), False
            await self._replace_items(session, application.id, content)
            session.add(ApplicationStatus(application_id=application.id, status=Status.draft,
                                          government=application.government,
                                          organization_id=application.organization_id))
            await session.commit()
            return await self._public(session, application), True

    async def update_draft(self, user: User, application_id: int, changes: dict[str, Any]) -> ApplicationPublic:
        """Merge the given fields into the content (nested applicant too) and validate the whole."""
        async with self.sessions() as session:
            application, status = await self.load_for_applicant(session, user, application_id)
            if Status(status.status) not in EDITABLE_STATUSES:
                raise Conflict(
                    f"the application is {status.status}; it can be edited only as a draft or when returned",
                    f"この申請は「{rules.STATUS_LABELS_JA[Status(status.status)]}」のため編集できません"
                    "（下書きまたは補正依頼中のみ編集できます）")
            merged = dict(application.content)
            for key, value in changes.items():
                if key == "applicant" and isinstance(value, dict):
                    merged["applicant"] = {**merged.get("applicant", {}), **value}
                else:
                    merged[key] = value
            try:
                content = ApplicationContent.model_validate(merged)
            except ValidationError as error:
                raise Invalid("the application content is not valid", "入力内容に誤りがあります",
                              errors=validation_errors(error)) from None
            self._apply_content(application, content)
            application.content_version += 1
            application.updated_at = utcnow()
            status.government = application.government
            session.add(application)
            session.add(status)
            await self._replace_items(session, application.id, content)
            await session.commit()
            return await self._public(session, application)

    # --- process commands (Temporal Updates) -----------------------------------------------------------

    async def submit(self, user: User, application_id: int) -> ApplicationPublic:
        async with self.sessions() as session:
            application, status = await self.load_for_applicant(session, user, application_id)
            if status.status != Status.draft:
                if status.workflow_id:  # already submitted: answer with where it is now (idempotent)
                    return await self._public(session, application)
                raise Conflict(f"the application is {status.status} and cannot be submitted",
                               "この申請は提出できません")
            content = ApplicationContent.model_validate(application.content)
            missing = missing_for_submission(content)
            if missing:
                raise Invalid("the application is incomplete: fill in the fields listed to submit",
                              "未入力の必須項目があります。一覧の項目を入力してから提出してください", errors=missing)
            await self._snapshot(session, application, user)
            status.workflow_id = application_workflow_id(application.id)
            session.add(status)
            await session.commit()
        start = StartInput(application_id=application.id, organization_id=application.organization_id,
                           government=Government(application.government),
                           step_target_days=self.settings.step_target_days,
                           revision_deadline_days=self.settings.revision_deadline_days,
                           follow_up=self.settings.follow_up_settings())
        operation = WithStartWorkflowOperation(
            ApplicationWorkflow.run, start, id=application_workflow_id(application.id),
            task_queue=self.settings.task_queue, id_conflict_policy=WorkflowIDConflictPolicy.USE_EXISTING)
        await self._temporal_call(self.temporal.execute_update_with_start_workflow(
            ApplicationWorkflow.submit, SubmitInput(actor=actor_for(user), content_version=application.content_version),
            start_workflow_operation=operation, id=f"submit-{application.id}"))
        return await self.get(user, application_id)

    async def resubmit(self, user: User, application_id: int, idempotency_key: str | None = None) -> ApplicationPublic:
        async with self.sessions() as session:
            application, status = await self.load_for_applicant(session, user, application_id)
            content = ApplicationContent.model_validate(application.content)
            missing = missing_for_submission(content)
            if missing and status.status == Status.revision_requested:
                raise Invalid("the application is incomplete: fill in the fields listed to resubmit",
                              "未入力の必須項目があります", errors=missing)
            if status.status == Status.revision_requested:
                await self._snapshot(session, application, user)
                await session.commit()
        await self.update_workflow(application_id, ApplicationWorkflow.resubmit,
                           ResubmitInput(actor=actor_for(user), content_version=application.content_version),
                           "resubmit", idempotency_key, status.status)
        return await self.get(user, application_id)

    async def withdraw(self, user: User, application_id: int, reason: str | None,
                       idempotency_key: str | None = None) -> ApplicationPublic:
        async with self.sessions() as session:
            application, status = await self.load_for_applicant(session, user, application_id)
            if status.status == Status.withdrawn and not status.workflow_id:  # a retried draft withdrawal
                return await self._public(session, application)
            if status.status == Status.draft:  # no workflow yet: the draft is simply withdrawn
                status.status = Status.withdrawn
                status.current_step = None
                status.updated_at = utcnow()
                session.add(status)
                session.add(Event(application_id=application.id, seq=status.last_seq + 1, kind="withdrawn",
                                  step=Status.draft, actor_user_id=user.id, actor_username=user.username,
                                  actor_role=user.role, reason=reason, status_after=Status.withdrawn,
                                  occurred_at=utcnow()))
                status.last_seq += 1
                try:
                    await session.commit()
                except IntegrityError:  # a parallel retry withdrew it first: same answer
                    await session.rollback()
                return await self._public(session, application)
        await self.update_workflow(application_id, ApplicationWorkflow.withdraw,
                           WithdrawInput(actor=actor_for(user), reason=reason), "withdraw", idempotency_key,
                           status.status)
        return await self.get(user, application_id)

    async def decide(self, user: User, application_id: int, request: DecisionRequest,
                     idempotency_key: str | None = None) -> ApplicationPublic:
        if user.role == Role.applicant:
            async with self.sessions() as session:
                await self.load_for_applicant(session, user, application_id)  # 404 if not theirs
            raise Forbidden("applicants cannot decide on applications; officials decide each step",
                            "申請者は審査の判断を行えません")
        async with self.sessions() as session:
            status = await session.get(ApplicationStatus, application_id)
            if status is None or not self.can_view(user, status):
                # An official deciding outside their role or government is refused (403), and in the same
                # words whether or not the application exists, so the answer reveals nothing.
                raise Forbidden("you cannot decide this application: only officials whose role and government "
                                "hold its current step decide it",
                                "この申請を判断する権限がありません（現在の段階を担当する役割・自治体の職員のみ判断できます）")
            if not status.workflow_id:
                raise Conflict("the application is still a draft; nothing to decide until it is submitted",
                               "この申請は未提出（下書き）のため判断できません")
        if request.step == status.current_step and request.step in rules.STEP_ROLE:
            # Who may decide comes before what the decision says (the workflow checks both again).
            try:
                rules.check_actor_holds_step(actor_for(user), request.step, status.government)
            except rules.DecisionRefused as refused:
                raise Forbidden(refused.message, refused.message_ja) from None
        if request.step not in DECISION_FIELDS or request.outcome not in DECISION_FIELDS[request.step]:
            allowed = ", ".join(DECISION_FIELDS.get(request.step, {})) or "none"
            raise Invalid(f"outcome {request.outcome!r} is not possible at step {request.step.value}; allowed: {allowed}",
                          f"「{request.step.value}」で選べる結果: {allowed}",
                          errors=[{"field": "outcome", "message": f"allowed: {allowed}"}])
        fields_model = DECISION_FIELDS[request.step][request.outcome]
        raw_fields = {k: v for k, v in request.model_dump().items() if k not in ("step", "outcome")}
        raw_fields = {k: v for k, v in raw_fields.items() if v is not None or k != "reason"}
        try:
            fields = fields_model.model_validate(raw_fields).model_dump(mode="json", exclude_none=True)
        except ValidationError as error:
            raise Invalid(f"the {request.step.value}/{request.outcome} decision is missing or has invalid fields",
                          "判断に必要な項目が不足しているか、誤りがあります", errors=validation_errors(error)) from None
        decision = DecisionInput(step=request.step, outcome=request.outcome, fields=fields, actor=actor_for(user))
        await self.update_workflow(application_id, ApplicationWorkflow.decide, decision, "decide", idempotency_key,
                           status.status)
        return await self.get(user, application_id, check_visibility=False)

    # --- reads ------------------------------------------------------------------------------------------

    async def get(self, user: User, application_id: int, *, check_visibility: bool = True) -> ApplicationPublic:
        async with self.sessions() as session:
            application = await session.get(Application, application_id)
            status = await session.get(ApplicationStatus, application_id)
            if application is None or status is None or (check_visibility and not self.can_view(user, status)):
                raise NotFound(f"application {application_id} does not exist or is not yours to see",
                               "申請が見つからないか、閲覧する権限がありません")
            return await self._public(session, application, with_events=True)

    async def list(self, user: User, *, status: Status | None, limit: int, cursor: str | None,
                   measure: str | None = None, government: Government | None = None,
                   company: str | None = None) -> ApplicationPage:
        """Visible applications, newest first; optional filters: measure, government, company name (part)."""
        limit = max(1, min(limit, MAX_PAGE))
        # Only the company's name is read from the content, in SQL: decoding whole documents cost more
        # than the query (bench/listing.py).
        applicant_name = Application.content["applicant"]["name"].as_string()
        query = (select(ApplicationStatus, Application.measure, Application.project_name, applicant_name,
                        Application.updated_at)
                 .join(Application, Application.id == ApplicationStatus.application_id))
        query = query.where(self._visibility_clause(user))
        if status is not None:
            query = query.where(ApplicationStatus.status == status.value)
        if measure:
            query = query.where(Application.measure == measure)
        if government is not None:
            query = query.where(ApplicationStatus.government == government.value)
        if company and company.strip():
            pattern = f"%{company.strip().replace('%', '').replace('_', '')}%"
            companies = select(Organization.id).where(Organization.name.ilike(pattern))
            query = query.where(ApplicationStatus.organization_id.in_(companies))
        if cursor:
            query = query.where(ApplicationStatus.application_id < self._decode_cursor(cursor))
        query = query.order_by(ApplicationStatus.application_id.desc()).limit(limit + 1)
        async with self.sessions() as session:
            rows = (await session.execute(query)).all()
        items = [self._summary(row) for row in rows[:limit]]
        next_cursor = self._encode_cursor(items[-1].id) if len(rows) > limit else None
        return ApplicationPage(items=items, next_cursor=next_cursor)

    async def status_counts(self, user: User) -> dict[str, int]:
        """How many applications the caller may see are in each status (the dashboard's table)."""
        query = (select(ApplicationStatus.status, func.count()).where(self._visibility_clause(user))
                 .group_by(ApplicationStatus.status))
        async with self.sessions() as session:
            return {status: count for status, count in (await session.execute(query)).all()}

    async def tasks(self, user: User, *, sort: str = "due") -> list[TaskPublic]:
        """The caller's inbox: what their role (and government) must act on, oldest due first
        (sort="-due": latest due first; sort="id": newest application first); at most TASKS_CAP tasks."""
        return (await self.task_page(user, sort=sort))[0]

    async def task_page(self, user: User, *, sort: str = "due", limit: int = TASKS_CAP,
                        cursor: str | None = None) -> tuple[list[TaskPublic], str | None]:
        """One page of the inbox and the cursor of the next (None on the last page); a page costs the same
        whatever the table holds (services/core/inbox_query.py)."""
        sort = sort if sort in TASK_SORTS else "due"
        limit = max(1, min(limit, TASKS_CAP))
        if user.role == Role.applicant:
            steps = [Status.revision_requested]
            due_column = ApplicationStatus.revision_due_at
        else:
            steps = [step for step, role in rules.STEP_ROLE.items() if role == user.role]
            due_column = ApplicationStatus.step_due_at
        if not steps:
            return [], None
        after = TaskCursor.decode(cursor, sort) if cursor else None
        query, parameters = task_page_query(steps, due_column, self._visibility_clause(user), sort, limit, after)
        now = datetime.now(timezone.utc)
        async with self.sessions() as session:
            rows = (await session.execute(query, parameters)).all()
        tasks = [TaskPublic(application_id=row.application_id, step=Status(row.status),
                            project_name=row.project_name, applicant_name=row.applicant_name,
                            government=row.government, due_at=row.due_at,
                            overdue=bool(row.due_at and row.due_at < now))
                 for row in rows[:limit]]
        more = len(rows) > limit
        return tasks, TaskCursor(sort, tasks[-1].due_at, tasks[-1].application_id).encode() if more else None

    # --- helpers ----------------------------------------------------------------------------------------

    @staticmethod
    def _require_role(user: User, role: Role, message: str, message_ja: str) -> None:
        if user.role != role:
            raise Forbidden(message, message_ja)

    async def _by_idempotency_key(self, session: AsyncSession, user: User, key: str) -> Application | None:
        result = await session.execute(select(Application).where(Application.created_by == user.id,
                                                                 Application.idempotency_key == key))
        return result.scalars().first()

    async def load_for_applicant(self, session: AsyncSession, user: User,
                                  application_id: int) -> tuple[Application, ApplicationStatus]:
        application = await session.get(Application, application_id)
        status = await session.get(ApplicationStatus, application_id)
        if application is None or status is None or (
                user.role == Role.applicant and application.organization_id != user.organization_id):
            raise NotFound(f"application {application_id} does not exist or is not yours",
                           "申請が見つからないか、あなたの会社の申請ではありません")
        if user.role != Role.applicant:
            if not self.can_view(user, status):  # the same answer as for an id that does not exist
                raise NotFound(f"application {application_id} does not exist or is not yours",
                               "申請が見つからないか、あなたの会社の申請ではありません")
            raise Forbidden("only a user of the applicant company can do this",
                            "この操作は申請企業の利用者のみ行えます")
        return application, status

    @staticmethod
    def _apply_content(application: Application, content: ApplicationContent) -> None:
        application.content = content.model_dump(mode="json", exclude_none=True)
        application.measure = content.measure.value if content.measure else None
        application.project_name = content.project_name
        government = content.government
        application.government = government.value if government else None

    @staticmethod
    async def _replace_items(session: AsyncSession, application_id: int, content: ApplicationContent) -> None:
        """Planned items are re-derived from the content on every save (follow-up settles them later)."""
        await session.execute(delete(EquipmentItem).where(EquipmentItem.application_id == application_id))
        for position, item in enumerate(content.equipment_items, start=1):
            session.add(EquipmentItem(application_id=application_id, position=position,
                                      asset_class=item.asset_class.value, description=item.description,
                                      planned_cost_jpy=item.planned_cost_jpy,
                                      planned_acquisition_on=item.planned_acquisition_on))

    async def _snapshot(self, session: AsyncSession, application: Application, user: User) -> None:
        exists = await session.execute(select(ApplicationVersion.id).where(
            ApplicationVersion.application_id == application.id,
            ApplicationVersion.version == application.content_version))
        if exists.first() is None:
            session.add(ApplicationVersion(application_id=application.id, version=application.content_version,
                                           content=application.content, created_by=user.id))

    async def update_workflow(self, application_id: int, update, argument, kind: str, idempotency_key: str | None,
                      status_text: str) -> ApplicationState:
        handle = self.temporal.get_workflow_handle(application_workflow_id(application_id))
        update_id = f"{kind}-{idempotency_key}" if idempotency_key else f"{kind}-{uuid.uuid4()}"
        try:
            return await self._temporal_call(handle.execute_update(update, argument, id=update_id))
        except RPCError as error:
            if error.status == RPCStatusCode.NOT_FOUND:
                raise Conflict(f"the application's process has ended ({status_text}); nothing more can be done",
                               f"この申請の手続は終了しています（{status_text}）") from None
            raise

    @staticmethod
    async def _temporal_call(awaitable):
        try:
            return await awaitable
        except WorkflowUpdateFailedError as error:
            cause = error.cause
            if isinstance(cause, ApplicationError) and cause.type in _HTTP_FOR_CODE:
                details = cause.details[0] if cause.details and isinstance(cause.details[0], dict) else {}
                raise _HTTP_FOR_CODE[cause.type](cause.message, details.get("message_ja")) from None
            raise
        except RPCError as error:
            if error.status in (RPCStatusCode.UNAVAILABLE, RPCStatusCode.DEADLINE_EXCEEDED):
                raise Unavailable("the workflow service is not reachable; try again in a moment",
                                  "ワークフローサービスに接続できません。しばらくしてから再度お試しください") from None
            raise

    @staticmethod
    def can_view(user: User, status: ApplicationStatus) -> bool:
        role = Role(user.role)
        if role == Role.admin:
            return True
        if role == Role.applicant:
            return status.organization_id == user.organization_id
        if status.status == Status.draft or (status.status == Status.withdrawn and status.furthest_rank == 0):
            return False
        if role == Role.local_official:
            return rules.official_covers(user.government, status.government)
        if role == Role.secretariat:
            return status.furthest_rank >= rules.progress_rank(Status.council_consultation)
        if role == Role.national_official:
            return status.furthest_rank >= rules.progress_rank(Status.national_review)
        return False

    @staticmethod
    def _visibility_clause(user: User):
        role = Role(user.role)
        submitted = ApplicationStatus.furthest_rank >= rules.progress_rank(Status.intake_review)
        if role == Role.admin:
            return ApplicationStatus.application_id.is_not(None)
        if role == Role.applicant:
            return ApplicationStatus.organization_id == user.organization_id
        if role == Role.local_official:
            if user.government == Government.kanagawa:
                return submitted
            return and_(submitted, ApplicationStatus.government == user.government)
        if role == Role.secretariat:
            return ApplicationStatus.furthest_rank >= rules.progress_rank(Status.council_consultation)
        if role == Role.national_official:
            return ApplicationStatus.furthest_rank >= rules.progress_rank(Status.national_review)
        return false()

    @staticmethod
    def _encode_cursor(application_id: int) -> str:
        return base64.urlsafe_b64encode(str(application_id).encode()).decode().rstrip("=")

    @staticmethod
    def _decode_cursor(cursor: str) -> int:
        try:
            return int(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode())
        except (ValueError, UnicodeDecodeError):
            raise Invalid("the cursor is not valid; use next_cursor from the previous page",
                          "カーソルが不正です。前のページの next_cursor を指定してください") from None

    @staticmethod
    def _summary(row) -> ApplicationSummary:
        status, measure, project_name, applicant_name, updated_at = row
        return ApplicationSummary(
            id=status.application_id, status=status.status, current_step=status.current_step,
            government=status.government, organization_id=status.organization_id, measure=measure,
            project_name=project_name, applicant_name=applicant_name,
            step_due_at=status.step_due_at, revision_due_at=status.revision_due_at,
            updated_at=max(updated_at, status.updated_at))

    async def _public(self, session: AsyncSession, application: Application,
                      with_events: bool = False) -> ApplicationPublic:
        status = await session.get(ApplicationStatus, application.id)
        await session.refresh(status)
        events = None
        if with_events:
            result = await session.execute(select(Event).where(Event.application_id == application.id)
                                           .order_by(Event.seq))
            events = [EventPublic(seq=e.seq, kind=e.kind, step=e.step, outcome=e.outcome, actor=e.actor_username,
                                  actor_role=e.actor_role, reason=e.reason, payload=e.payload,
                                  status_after=e.status_after, occurred_at=e.occurred_at)
                      for e in result.scalars()]
        due_dates = []
        if status.step_due_at and status.current_step:
            due_dates.append(DeadlinePublic(kind="step_target", due_at=status.step_due_at, step=status.current_step))
        if status.revision_due_at:
            due_dates.append(DeadlinePublic(kind="revision_request", due_at=status.revision_due_at,
                                            step=status.returned_from))
        return ApplicationPublic(
            id=application.id, status=status.status, current_step=status.current_step,
            government=application.government, organization_id=application.organization_id,
            measure=application.measure, project_name=application.project_name,
            content_version=application.content_version, content=application.content,
            step_due_at=status.step_due_at, revision_due_at=status.revision_due_at,
            returned_from=status.returned_from, due_dates=due_dates, created_at=application.created_at,
            updated_at=max(application.updated_at, status.updated_at), submitted_at=status.submitted_at,
            events=events)


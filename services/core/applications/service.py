"""The application service: drafts, submission, decisions, reads. Framework-free; the API and the demo
seeding call the same functions.

Content lives in the database; the process lives in the Temporal workflow. Commands that move the process
are Temporal Updates; reads come from SQL (the projection the workflow's activity keeps).
"""

from __future__ import annotations

import base64
import logging
import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from pydantic import ValidationError
from sqlalchemy import column, delete, func, select
from sqlalchemy import table as table_clause
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlalchemy.orm import Session
from temporalio.client import Client, WithStartWorkflowOperation, WorkflowUpdateFailedError
from temporalio.common import WorkflowIDConflictPolicy
from temporalio.exceptions import ApplicationError
from temporalio.service import RPCError, RPCStatusCode

from services.core.accounts.models import Organization, User
from services.core.accounts.schemas import actor_for
from services.core.applications import access
from services.core.applications.business_area import apply_area, kept_area_context, settle_area_for_submission
from services.core.applications.decision_dates import DATED_STEPS, decision_date_errors, today_in_japan
from services.core.applications.inbox import SORTS as TASK_SORTS
from services.core.applications.inbox import TASKS_CAP, TaskCursor
from services.core.applications.inbox import page_query as task_page_query
from services.core.applications.models import (
    Application,
    ApplicationStatus,
    ApplicationVersion,
    Decision,
    EquipmentItem,
    Event,
)
from services.core.applications.recorded_intake import record_submission_now, start_recorded
from services.core.applications.schemas import (
    ApplicationContent,
    ApplicationPage,
    ApplicationPublic,
    ApplicationSummary,
    DeadlinePublic,
    DecisionRequest,
    EventPublic,
    TaskPublic,
    measure_date_errors,
    missing_for_submission,
)
from services.core.follow_up.open_items import open_items
from services.core.platform.db import in_blocking_session
from services.core.platform.exceptions import Conflict, DomainError, Forbidden, Invalid, NotFound, Unavailable
from services.core.platform.settings import Settings
from services.core.platform.tables import utcnow
from services.core.zone.addresses import area_by_key
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
    SubmissionRecorded,
    SubmitInput,
    WithdrawInput,
    application_workflow_id,
)
from workflows.designation import ApplicationWorkflow

log = logging.getLogger("tokku.applications")

EDITABLE_STATUSES = (Status.draft, Status.revision_requested)
MAX_PAGE = 200

_HTTP_FOR_CODE: dict[str, type[DomainError]] = {"wrong_step": Conflict, "forbidden": Forbidden, "invalid": Invalid}


def _area_name(key: str | None) -> str | None:
    area = area_by_key(key)
    return area.name if area else key  # a key the data no longer has is shown as stored


def validation_errors(error: ValidationError) -> list[dict[str, Any]]:
    """{field, message} per problem, with pydantic's type and its plain ctx values, so a page can say it in
    the reader's language."""
    return [{"field": ".".join(str(part) for part in e["loc"]), "message": e["msg"], "type": e["type"],
             **({"ctx": ctx} if (ctx := {k: v for k, v in (e.get("ctx") or {}).items()
                                         if isinstance(v, str | int | float)}) else {})}
            for e in error.errors()]


def decision_input(user: User, request: DecisionRequest, *, current_step: str | None,
                   government: str | None) -> DecisionInput:
    """A decision as a workflow takes it, checked first for who may decide the current step (403) and then for
    the outcome and its fields (422); the workflow checks both again. Used for applications and plan changes."""
    if request.step == current_step and request.step in rules.STEP_ROLE:
        # Who may decide comes before what the decision says.
        try:
            rules.check_actor_holds_step(actor_for(user), request.step, government)
        except rules.DecisionRefused as refused:
            raise Forbidden(refused.message, refused.message_ja) from None
    if request.step not in DECISION_FIELDS or request.outcome not in DECISION_FIELDS[request.step]:
        allowed = ", ".join(DECISION_FIELDS.get(request.step, {})) or "none"
        raise Invalid(f"outcome {request.outcome!r} is not possible at step {request.step.value}; allowed: {allowed}",
                      f"「{rules.STATUS_LABELS_JA.get(request.step, '')}」の段階では選べない結果です。ページを再読み込みして"
                      "選び直してください",
                      errors=[{"field": "outcome", "message": f"allowed: {allowed}",
                               "message_ja": "この段階では選べない結果です"}])
    fields_model = DECISION_FIELDS[request.step][request.outcome]
    raw_fields = {k: v for k, v in request.model_dump().items() if k not in ("step", "outcome")}
    raw_fields = {k: v for k, v in raw_fields.items() if v is not None or k != "reason"}
    try:
        fields = fields_model.model_validate(raw_fields).model_dump(mode="json", exclude_none=True)
    except ValidationError as error:
        raise Invalid(f"the {request.step.value}/{request.outcome} decision is missing or has invalid fields",
                      "判断に必要な項目が不足しているか、誤りがあります", errors=validation_errors(error)) from None
    return DecisionInput(step=request.step, outcome=request.outcome, fields=fields, actor=actor_for(user))


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
        self._require_measure_dates(content)
        async with self.sessions() as session:
            if idempotency_key:
                existing = await self._by_idempotency_key(session, user, idempotency_key)
                if existing is not None:
                    return await self._public(session, existing), False
            application = Application(organization_id=user.organization_id, created_by=user.id,
                                      idempotency_key=idempotency_key)
            self.apply_content(application, content)
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

    async def create_and_submit(self, user: User, content: ApplicationContent, idempotency_key: str | None = None,
                                *, only_new: bool = False) -> tuple[ApplicationPublic | None, bool]:
        """Create an application and submit it in one request (`POST /applications?submit=true`, the form's 提出する
        on a new application). Incomplete content is refused before anything is stored, as `submit` would refuse
        it. A retry with the same idempotency key submits the draft the first attempt created (created=False);
        with only_new, an existing draft of that key is left alone and None is returned (the form then saves
        what was typed into it before submitting)."""
        self._require_role(user, Role.applicant, "only applicant companies create applications",
                           "申請の作成は申請企業の利用者のみ行えます")
        self._require_measure_dates(content)
        probe = Application(organization_id=user.organization_id, created_by=user.id)
        self.apply_content(probe, content)
        missing = missing_for_submission(content) + settle_area_for_submission(probe)
        if missing:
            raise Invalid("the application is incomplete: fill in the fields listed to submit",
                          "未入力の必須項目があります。一覧の項目を入力してから提出してください", errors=missing)

        def store(session: Session) -> tuple[Application | None, Application | None,
                                             tuple[StartInput, ApplicationPublic] | None]:
            """(the new application, or the one a first attempt with this key created, and the recorded
            submission's start input with the answer) — one transaction: the application, its items, its status,
            the submitted version and the workflow's id (and in api_transaction mode the submission itself)."""
            existing = _by_idempotency_key_now(session, user, idempotency_key) if idempotency_key else None
            if existing is not None:
                return None, existing, None
            application = Application(organization_id=user.organization_id, created_by=user.id,
                                      idempotency_key=idempotency_key)
            self.apply_content(application, content)
            session.add(application)
            try:
                session.flush()
                _replace_items_now(session, application.id, content)
                status = ApplicationStatus(application_id=application.id, status=Status.draft,
                                           government=application.government,
                                           organization_id=application.organization_id,
                                           workflow_id=application_workflow_id(application.id))
                session.add(status)
                _snapshot_now(session, application, user)
                start = self._recorded_start(user, application)
                answer = None
                if start is not None:  # TOKKU_INTAKE_MODE=api_transaction: the submission is recorded here,
                    record_submission_now(session, status, start)  # and the answer read in the same transaction
                    answer = _public_now(session, application, with_events=True)
                session.commit()
            except IntegrityError:  # the same key raced in from a parallel retry
                session.rollback()
                existing = _by_idempotency_key_now(session, user, idempotency_key or "")
                if existing is None:
                    raise
                return None, existing, None
            return application, None, (start, answer) if start is not None else None

        # In one thread, not one event-loop hop per statement (docs/performance.md).
        application, existing, recorded = await in_blocking_session(self.sessions, store)
        if existing is not None:  # a retry: the first attempt's application, submitted if it is not yet
            if only_new:
                return None, False
            return await self.submit(user, existing.id), False
        if recorded is not None:
            return await self._start_recorded(*recorded), True
        await self._start_workflow(user, application)
        return await self.get(user, application.id), True

    async def update_draft(self, user: User, application_id: int, changes: dict[str, Any]) -> ApplicationPublic:
        """Merge the given fields into the content (nested applicant too) and validate the whole."""
        async with self.sessions() as session:
            application, status = await access.own_application(session, user, application_id)
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
                content = ApplicationContent.model_validate(merged, context=kept_area_context(application))
            except ValidationError as error:
                raise Invalid("the application content is not valid", "入力内容に誤りがあります",
                              errors=validation_errors(error)) from None
            self._require_measure_dates(content)
            self.apply_content(application, content)
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
        def store(session: Session) -> tuple[ApplicationPublic | None, Application, StartInput | None]:
            """(the answer, the application, the recorded submission's start input): the checks, the snapshot
            and the workflow's id (in api_transaction mode the submission itself, and the answer) in one
            transaction, in one thread (docs/performance.md). No start input with an answer: nothing to do."""
            application, status = access.own_application_now(session, user, application_id)
            if status.status != Status.draft:
                if status.start_pending and status.start_input:  # recorded, its start not yet confirmed
                    return (_public_now(session, application, with_events=True), application,
                            StartInput.model_validate(status.start_input))
                if status.workflow_id:  # already submitted: answer with where it is now (idempotent)
                    return _public_now(session, application), application, None
                raise Conflict(f"the application is {status.status} and cannot be submitted",
                               "この申請は提出できません")
            content = self._stored_content(application)
            missing = missing_for_submission(content) + settle_area_for_submission(application)
            if missing:
                raise Invalid("the application is incomplete: fill in the fields listed to submit",
                              "未入力の必須項目があります。一覧の項目を入力してから提出してください", errors=missing)
            self._require_measure_dates(content)  # the deadline in force may have changed since the last save
            status.government = application.government
            _snapshot_now(session, application, user)
            status.workflow_id = application_workflow_id(application.id)
            session.add(status)
            start = self._recorded_start(user, application)
            answer = None
            if start is not None:  # TOKKU_INTAKE_MODE=api_transaction: the submission is recorded here
                record_submission_now(session, status, start)
                answer = _public_now(session, application, with_events=True)
            session.commit()
            return answer, application, start

        answer, application, start = await in_blocking_session(self.sessions, store)
        if start is not None:
            return await self._start_recorded(start, answer)
        if answer is not None:
            return answer
        await self._start_workflow(user, application)
        return await self.get(user, application_id)

    def _start_input(self, application: Application, submitted: SubmissionRecorded | None = None) -> StartInput:
        return StartInput(application_id=application.id, organization_id=application.organization_id,
                          government=Government(application.government),
                          step_target_days=self.settings.step_target_days,
                          revision_deadline_days=self.settings.revision_deadline_days,
                          follow_up=self.settings.follow_up_settings(),
                          projection=self.settings.projection_mode, submitted=submitted)

    def _recorded_start(self, user: User, application: Application) -> StartInput | None:
        """The start input carrying this submission, when the API records submissions (api_transaction)."""
        if self.settings.intake_mode != "api_transaction":
            return None
        return self._start_input(application, SubmissionRecorded(
            actor=actor_for(user), content_version=application.content_version, occurred_at=utcnow()))

    async def _start_recorded(self, start: StartInput, answer: ApplicationPublic) -> ApplicationPublic:
        """Start the workflow of a submission just recorded, and answer with the application as recorded. The
        start is confirmed by the worker's sweep, in batches (it starts what was not). Temporal out of reach does
        not undo the submission: it is recorded, and the sweep starts the workflow once Temporal is back."""
        try:
            await self.temporal_call(start_recorded(self.temporal, self.settings.task_queue, start))
        except Unavailable:
            log.warning("application %s: submission recorded, workflow not started (Temporal unreachable); the "
                        "worker's sweep will start it", start.application_id)
        return answer

    async def _start_workflow(self, user: User, application: Application) -> None:
        """Start the application's workflow and submit it (update-with-start); answers once the submission is
        recorded in the read model, so the caller reads it right after."""
        start = self._start_input(application)
        operation = WithStartWorkflowOperation(
            ApplicationWorkflow.run, start, id=application_workflow_id(application.id),
            task_queue=self.settings.task_queue, id_conflict_policy=WorkflowIDConflictPolicy.USE_EXISTING)
        await self.temporal_call(self.temporal.execute_update_with_start_workflow(
            ApplicationWorkflow.submit, SubmitInput(actor=actor_for(user), content_version=application.content_version),
            start_workflow_operation=operation, id=f"submit-{application.id}"))

    async def resubmit(self, user: User, application_id: int, idempotency_key: str | None = None) -> ApplicationPublic:
        async with self.sessions() as session:
            application, status = await access.own_application(session, user, application_id)
            content = self._stored_content(application)
            missing = missing_for_submission(content) + settle_area_for_submission(application)
            if missing and status.status == Status.revision_requested:
                raise Invalid("the application is incomplete: fill in the fields listed to resubmit",
                              "未入力の必須項目があります", errors=missing)
            if status.status == Status.revision_requested:
                self._require_measure_dates(content)
                await self._snapshot(session, application, user)
                await session.commit()
        await self.update_workflow(application_id, ApplicationWorkflow.resubmit,
                           ResubmitInput(actor=actor_for(user), content_version=application.content_version),
                           "resubmit", idempotency_key, status.status)
        return await self.get(user, application_id)

    async def delete_draft(self, user: User, application_id: int) -> None:
        """A draft never submitted is the company's scratch: it may delete it (with everything attached to it).
        Anything submitted is part of the record and is withdrawn instead."""
        async with self.sessions() as session:
            application, status = await access.own_application(session, user, application_id)
            if status.status != Status.draft or status.workflow_id:
                raise Conflict("only a draft that was never submitted can be deleted; withdraw a submitted application",
                               "削除できるのは未提出の下書きのみです。提出済みの申請は取り下げてください")
            for table in (table_named("attachments"), EquipmentItem.__table__, ApplicationVersion.__table__,
                          Event.__table__, ApplicationStatus.__table__):
                await session.execute(delete(table).where(table.c.application_id == application_id))
            await session.execute(delete(Application).where(Application.id == application_id))
            await session.commit()

    async def withdraw(self, user: User, application_id: int, reason: str | None,
                       idempotency_key: str | None = None) -> ApplicationPublic:
        async with self.sessions() as session:
            application, status = await access.own_application(session, user, application_id)
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
                await access.own_application(session, user, application_id)  # 404 if not theirs
            raise Forbidden("applicants cannot decide on applications; officials decide each step",
                            "申請者は審査の判断を行えません")
        async with self.sessions() as session:
            status = await session.get(ApplicationStatus, application_id)
            if status is None or not access.can_see(user, status):
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
                          f"「{rules.STATUS_LABELS_JA.get(request.step, '')}」の段階では選べない結果です。ページを再読み込みして"
                          "選び直してください",
                          errors=[{"field": "outcome", "message": f"allowed: {allowed}",
                                   "message_ja": "この段階では選べない結果です"}])
        fields_model = DECISION_FIELDS[request.step][request.outcome]
        raw_fields = {k: v for k, v in request.model_dump().items() if k not in ("step", "outcome")}
        raw_fields = {k: v for k, v in raw_fields.items() if v is not None or k != "reason"}
        try:
            fields = fields_model.model_validate(raw_fields).model_dump(mode="json", exclude_none=True)
        except ValidationError as error:
            raise Invalid(f"the {request.step.value}/{request.outcome} decision is missing or has invalid fields",
                          "判断に必要な項目が不足しているか、誤りがあります", errors=validation_errors(error)) from None
        if request.step == status.current_step:  # a decision on another step is refused by the workflow (409)
            async with self.sessions() as session:
                earlier = await self._earlier_decision_dates(session, application_id)
            if errors := decision_date_errors(request.step, fields, earlier, today=today_in_japan(),
                                              extension_until=self.settings.measure_extension_until):
                raise Invalid(f"the {request.step.value}/{request.outcome} decision's dates are not possible: "
                              + "; ".join(e["message_en"] for e in errors),
                              "判断の日付に誤りがあります: " + "、".join(e["message_ja"] for e in errors),
                              errors=[{"field": e["field"], "rule": e["rule"],
                                       "message": f"{e['message_ja']} / {e['message_en']}"} for e in errors])
        if (request.step, request.outcome) == (Status.follow_up, "complete") and status.current_step == Status.follow_up \
                and not str(fields.get("override_reason") or "").strip():
            await self._refuse_completion_while_open(application_id)
        decision = DecisionInput(step=request.step, outcome=request.outcome, fields=fields, actor=actor_for(user))
        await self.update_workflow(application_id, ApplicationWorkflow.decide, decision, "decide", idempotency_key,
                           status.status)
        return await self.get(user, application_id, check_visibility=False)

    async def _refuse_completion_while_open(self, application_id: int) -> None:
        """Completing a follow-up closes its deadlines for good: refused (409) while something is open, with
        what is open listed, unless the decision carries an override reason."""
        async with self.sessions() as session:
            items = await open_items(session, application_id)
        if items:
            raise Conflict("the follow-up cannot be completed while something is open: "
                           + "; ".join(i.message_en for i in items)
                           + ". Settle these first, or give an override reason (override_reason) to complete anyway",
                           "未了の事項があるためフォローアップを完了できません: " + "、".join(i.message_ja for i in items)
                           + "。先に対応するか、それでも完了する理由（完了を強行する理由）を記入してください",
                           errors=[{"field": "override_reason", "rule": i.kind,
                                    "message": f"{i.message_ja} / {i.message_en}"} for i in items])

    # --- reads ------------------------------------------------------------------------------------------

    async def get(self, user: User, application_id: int, *, check_visibility: bool = True) -> ApplicationPublic:
        # Read after every command (read-your-writes): its few queries in one thread rather than one event-loop
        # hop each (docs/performance.md).
        return await in_blocking_session(
            self.sessions, lambda session: _read_public_now(session, user, application_id, check_visibility))

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
        query = query.where(access.visible_clause(user))
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
        query = (select(ApplicationStatus.status, func.count()).where(access.visible_clause(user))
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
        query, parameters = task_page_query(steps, due_column, access.visible_clause(user), sort, limit, after)
        now = datetime.now(UTC)
        async with self.sessions() as session:
            rows = (await session.execute(query, parameters)).all()
        tasks = [TaskPublic(application_id=row.application_id, step=Status(row.status),
                            project_name=row.project_name, applicant_name=row.applicant_name,
                            government=row.government, zone_area=row.zone_area,
                            zone_area_name=_area_name(row.zone_area), due_at=row.due_at,
                            overdue=bool(row.due_at and row.due_at < now))
                 for row in rows[:limit]]
        more = len(rows) > limit
        return tasks, TaskCursor(sort, tasks[-1].due_at, tasks[-1].application_id).encode() if more else None

    # --- helpers ----------------------------------------------------------------------------------------

    def _require_measure_dates(self, content: ApplicationContent) -> None:
        errors = measure_date_errors(content, last_date=self.settings.measure_last_date)
        if errors:
            raise Invalid("a planned acquisition date falls outside the tax measure: from the business start to "
                          f"the measure's acquisition deadline {self.settings.measure_last_date}",
                          "取得予定の日付が措置の対象期間（事業開始日から措置の取得期限 "
                          f"{self.settings.measure_last_date} まで）の外です", errors=errors)

    @staticmethod
    async def _earlier_decision_dates(session: AsyncSession, application_id: int) -> dict[str, date]:
        """The dates of the decisions taken so far, the latest of each step (a returned application is decided
        again): council held_from, filed_on, certified_on."""
        rows = (await session.execute(select(Decision.step, Decision.payload).where(
            Decision.application_id == application_id).order_by(Decision.event_seq))).all()
        found: dict[str, date] = {}
        for step, payload in rows:
            for name in DATED_STEPS.get(step, ()):
                if payload.get(name):
                    found[name] = date.fromisoformat(str(payload[name]))
        return found

    @staticmethod
    def _require_role(user: User, role: Role, message: str, message_ja: str) -> None:
        if user.role != role:
            raise Forbidden(message, message_ja)

    async def _by_idempotency_key(self, session: AsyncSession, user: User, key: str) -> Application | None:
        return await session.run_sync(_by_idempotency_key_now, user, key)

    @staticmethod
    def _stored_content(application: Application) -> ApplicationContent:
        """The saved content, validated again (its address keeps its area); a rule changed since it was
        saved is a 422 naming the field, never a 500."""
        try:
            return ApplicationContent.model_validate(application.content, context=kept_area_context(application))
        except ValidationError as error:
            raise Invalid("the saved application is no longer valid: correct the fields listed",
                          "保存された申請内容に誤りがあります。一覧の項目を修正してください",
                          errors=validation_errors(error)) from None

    @staticmethod
    def apply_content(application: Application, content: ApplicationContent) -> None:
        apply_area(application, content.business_area)  # the area decides the government
        application.content = content.model_dump(mode="json", exclude_none=True)
        application.measure = content.measure.value if content.measure else None
        application.project_name = content.project_name

    @staticmethod
    async def _replace_items(session: AsyncSession, application_id: int, content: ApplicationContent) -> None:
        await session.run_sync(_replace_items_now, application_id, content)

    @staticmethod
    async def _snapshot(session: AsyncSession, application: Application, user: User) -> None:
        await session.run_sync(_snapshot_now, application, user)

    async def update_workflow(self, application_id: int, update, argument, kind: str, idempotency_key: str | None,
                      status_text: str) -> ApplicationState:
        handle = self.temporal.get_workflow_handle(application_workflow_id(application_id))
        update_id = f"{kind}-{idempotency_key}" if idempotency_key else f"{kind}-{uuid.uuid4()}"
        try:
            return await self.temporal_call(handle.execute_update(update, argument, id=update_id))
        except RPCError as error:
            if error.status == RPCStatusCode.NOT_FOUND:
                raise Conflict(f"the application's process has ended ({status_text}); nothing more can be done",
                               f"この申請の手続は終了しています（{status_text}）") from None
            raise

    @staticmethod
    async def temporal_call(awaitable):
        """Await a Temporal call; a workflow's refusal becomes its domain error, an unreachable server 503."""
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
        return await session.run_sync(_public_now, application, with_events)


def _read_public_now(session: Session, user: User, application_id: int,
                     check_visibility: bool = True) -> ApplicationPublic:
    application = session.get(Application, application_id)
    status = session.get(ApplicationStatus, application_id)
    if application is None or status is None or (check_visibility and not access.can_see(user, status)):
        raise NotFound(f"application {application_id} does not exist or is not yours to see",
                       "申請が見つからないか、閲覧する権限がありません")
    return _public_now(session, application, with_events=True)


def _by_idempotency_key_now(session: Session, user: User, key: str) -> Application | None:
    return session.execute(select(Application).where(Application.created_by == user.id,
                                                     Application.idempotency_key == key)).scalars().first()


def _replace_items_now(session: Session, application_id: int, content: ApplicationContent) -> None:
    """Planned items are re-derived from the content on every save (follow-up settles them later)."""
    session.execute(delete(EquipmentItem).where(EquipmentItem.application_id == application_id))
    for position, item in enumerate(content.equipment_items, start=1):
        session.add(EquipmentItem(application_id=application_id, position=position,
                                  asset_class=item.asset_class.value, description=item.description,
                                  planned_cost_jpy=item.planned_cost_jpy,
                                  planned_acquisition_on=item.planned_acquisition_on))


def _snapshot_now(session: Session, application: Application, user: User) -> None:
    """The content as submitted, once per content version."""
    exists = session.execute(select(ApplicationVersion.id).where(
        ApplicationVersion.application_id == application.id,
        ApplicationVersion.version == application.content_version))
    if exists.first() is None:
        session.add(ApplicationVersion(application_id=application.id, version=application.content_version,
                                       content=application.content, created_by=user.id))


def _public_now(session: Session, application: Application, with_events: bool = False) -> ApplicationPublic:
    """The application as its readers see it (blocking: `get` runs it in a thread with its reads)."""
    status = session.get(ApplicationStatus, application.id)
    session.refresh(status)
    events = None
    if with_events:
        result = session.execute(select(Event).where(Event.application_id == application.id)
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
        government=application.government, zone_area=application.zone_area,
        zone_area_name=_area_name(application.zone_area), organization_id=application.organization_id,
        measure=application.measure, project_name=application.project_name,
        content_version=application.content_version, content=application.content,
        step_due_at=status.step_due_at, revision_due_at=status.revision_due_at,
        returned_from=status.returned_from, due_dates=due_dates, created_at=application.created_at,
        updated_at=max(application.updated_at, status.updated_at), submitted_at=status.submitted_at,
        events=events)


def table_named(name: str):
    """A table of another package by name (attachments live in applications/attachments.py, which builds on
    this service), enough for a DELETE by application."""
    return table_clause(name, column("application_id"))

"""Plan changes of designated applications (docs/plan-changes.md). Framework-free.

- The version in force is the newest row of versions_in_force (or, before any change, the version the
  application was designated with); every earlier one is kept with application_versions' frozen content.
- A designated company proposes a change against the version in force. Each changed field is classified by
  the written rules (classification.py): a minor change is put in force at once (recorded, the company and
  the government notified); any other runs its own workflow (workflows/plan_change.py), council → filing →
  certification → designation again, while the designated version stays in force; where the rules leave it
  open the secretariat decides, with its reason.
- Putting a version in force writes the new version, updates the planned items in place (acquisition reports
  keep pointing at them) and tells the application's workflow, which follows the new items and records it.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from pydantic import ValidationError
from sqlalchemy import delete, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from temporalio.common import WorkflowIDConflictPolicy
from temporalio.service import RPCError, RPCStatusCode

from services.core.accounts.models import User
from services.core.accounts.schemas import actor_for
from services.core.applications import access, decision_dates
from services.core.applications.business_area import kept_area_context
from services.core.applications.models import (
    Application,
    ApplicationStatus,
    ApplicationVersion,
    Decision,
    EquipmentItem,
    Event,
)
from services.core.applications.schemas import ApplicationContent, DecisionRequest, missing_for_submission
from services.core.applications.service import ApplicationService, decision_input, validation_errors
from services.core.follow_up.models import AcquisitionReport
from services.core.plan_changes.classification import Kind, Window, classify, overall
from services.core.plan_changes.labels import summary_line
from services.core.plan_changes.models import PlanChange, PlanChangeEvent, VersionInForce
from services.core.plan_changes.schemas import (
    ClassificationRequest,
    FieldChangePublic,
    PlanChangeCreate,
    PlanChangeEventPublic,
    PlanChangePublic,
    PlanChangeResubmitRequest,
    PlanChanges,
    VersionPublic,
)
from services.core.platform.exceptions import Conflict, Forbidden, Invalid, NotFound
from services.core.platform.tables import utcnow
from services.core.zone.addresses import match_address
from workflows import rules
from workflows.contracts import Actor, Government, PlannedItemRef, Role, Status
from workflows.designation import ApplicationWorkflow
from workflows.plan_change import PlanChangeWorkflow
from workflows.plan_change_contracts import (
    OPEN_CHANGE_STATUSES,
    ChangeStatus,
    PlanChangeInput,
    PlanChangeRecord,
    PlanChangeResubmit,
    PlanVersionAdopted,
    plan_change_workflow_id,
)

# Who acts on a change at each status (the inbox's plan changes).
HOLDER = {ChangeStatus.awaiting_classification: Role.secretariat, ChangeStatus.revision_requested: Role.applicant,
          **{ChangeStatus(step.value): role for step, role in rules.STEP_ROLE.items()
             if step.value in ChangeStatus.__members__}}


@dataclass
class InForce:
    """The version in force and the designation it stands on."""

    version: int
    basis: str
    designation: dict[str, Any]
    in_force_from: datetime


@dataclass
class PlanChangeService:
    applications: ApplicationService

    @property
    def sessions(self):
        return self.applications.sessions

    @property
    def settings(self):
        return self.applications.settings

    # --- reads ---------------------------------------------------------------------------------------------

    async def versions(self, user: User, application_id: int) -> list[VersionPublic]:
        """Every certified version, oldest first; the newest is in force."""
        async with self.sessions() as session:
            await access.visible_status(session, user, application_id)
            application = await session.get(Application, application_id)
            rows = list((await session.execute(select(VersionInForce).where(
                VersionInForce.application_id == application_id).order_by(VersionInForce.id))).scalars())
            if not rows:
                in_force = await self._in_force(session, application)
                if in_force is None:
                    return []
                rows = [VersionInForce(application_id=application_id, version=in_force.version, basis="designation",
                                       designation=in_force.designation, in_force_from=in_force.in_force_from)]
            contents = {row.version: row.content for row in (await session.execute(select(ApplicationVersion).where(
                ApplicationVersion.application_id == application_id))).scalars()}
            item_ids = list((await session.execute(select(EquipmentItem.id).where(
                EquipmentItem.application_id == application_id).order_by(EquipmentItem.position))).scalars())
        last = rows[-1].version
        return [VersionPublic(version=row.version, basis=row.basis, in_force=row.version == last,
                              in_force_from=row.in_force_from, plan_change_id=row.plan_change_id,
                              designation=row.designation, content=contents.get(row.version, {}),
                              item_ids=item_ids if row.version == last else []) for row in rows]

    async def changes(self, user: User, application_id: int) -> list[PlanChangePublic]:
        async with self.sessions() as session:
            await access.visible_status(session, user, application_id)
            rows = (await session.execute(select(PlanChange).where(PlanChange.application_id == application_id)
                                          .order_by(PlanChange.id.desc()))).scalars()
            return [self._public(row) for row in rows]

    async def change(self, user: User, application_id: int, change_id: int) -> PlanChangePublic:
        async with self.sessions() as session:
            await access.visible_status(session, user, application_id)
            change = await self._change(session, application_id, change_id)
            events = (await session.execute(select(PlanChangeEvent).where(
                PlanChangeEvent.plan_change_id == change_id).order_by(PlanChangeEvent.seq))).scalars()
            return self._public(change, list(events))

    async def tasks(self, user: User) -> list[PlanChangePublic]:
        """Open changes the caller acts on: the secretariat classifies and consults, local officials file and
        designate (their government's), the Cabinet Office certifies, the company amends a returned one."""
        role = Role(user.role)
        statuses = [status.value for status, holder in HOLDER.items() if holder == role]
        if not statuses:
            return []
        query = (select(PlanChange).join(ApplicationStatus, ApplicationStatus.application_id == PlanChange.application_id)
                 .where(access.visible_clause(user), PlanChange.status.in_(statuses)).order_by(PlanChange.id))
        async with self.sessions() as session:
            rows = list((await session.execute(query)).scalars())
            if role == Role.local_official:
                governments = {a.id: a.government for a in (await session.execute(select(Application).where(
                    Application.id.in_([row.application_id for row in rows])))).scalars()}
                rows = [row for row in rows if access.covers(user, governments.get(row.application_id))]
        return [self._public(row) for row in rows]

    # --- proposing ------------------------------------------------------------------------------------------

    async def propose(self, user: User, application_id: int, body: PlanChangeCreate,
                      idempotency_key: str | None = None) -> tuple[PlanChangePublic, bool]:
        """A designated company's change; with an idempotency key a retry answers with the first one."""
        async with self.sessions() as session:
            application, status = await access.own_application(session, user, application_id)
            if idempotency_key:
                earlier = (await session.execute(select(PlanChange).where(
                    PlanChange.proposed_by == user.id, PlanChange.idempotency_key == idempotency_key))).scalars().first()
                if earlier is not None:
                    await self._carry_on(earlier)
                    return await self.change(user, application_id, earlier.id), False
            self._require_designated(status)
            open_change = (await session.execute(select(PlanChange.id).where(
                PlanChange.application_id == application_id,
                PlanChange.status.in_([s.value for s in OPEN_CHANGE_STATUSES])))).scalars().first()
            if open_change is not None:
                raise Conflict(f"plan change {open_change} of this application is still open; one change at a time",
                               f"この申請には手続中の計画変更（{open_change}）があります。変更は一件ずつ行えます")
            in_force = await self._in_force(session, application)
            base = await self._base(session, application)
            proposed = await self._proposal(session, application, base, body.changes)
            field_changes = self._classify(application, base, proposed, in_force)
            kind = overall(field_changes)
            change = PlanChange(application_id=application_id, base_version=in_force.version, base=base,
                                proposed=proposed, reason=body.reason,
                                field_changes=[c.as_dict(self.settings.plan_change_minor_cost_ratio)
                                               for c in field_changes],
                                classification=kind.value, minor={Kind.minor: True, Kind.not_minor: False}.get(kind),
                                status={Kind.minor: ChangeStatus.recorded, Kind.not_minor: ChangeStatus.council_consultation,
                                        Kind.secretariat: ChangeStatus.awaiting_classification}[kind].value,
                                current_step=Status.council_consultation.value if kind == Kind.not_minor else None,
                                proposed_by=user.id, idempotency_key=idempotency_key)
            session.add(change)
            try:
                await session.commit()
            except IntegrityError:
                await session.rollback()
                if not idempotency_key:
                    raise
                # The same key raced in from a parallel retry: answer with that one.
                return await self.propose(user, application_id, body, idempotency_key)
        if kind == Kind.minor:
            await self.put_in_force(change.id, actor_for(user))
        elif kind == Kind.not_minor:
            await self._start_workflow(change, application)
        return await self.change(user, application_id, change.id), True

    async def classify(self, user: User, application_id: int, change_id: int,
                       body: ClassificationRequest) -> PlanChangePublic:
        """The secretariat decides a change the rules left open: minor (recorded at once) or not (to council)."""
        async with self.sessions() as session:
            await access.visible_status(session, user, application_id)
            if Role(user.role) != Role.secretariat:
                raise Forbidden("only the council secretariat decides whether a change is minor",
                                "軽微な変更に当たるかの判断は地域協議会事務局が行います")
            change = await self._change(session, application_id, change_id)
            if change.classified_by is not None and change.version is None and not change.workflow_id:
                application = await session.get(Application, application_id)
                await self._carry_on(change, application)  # classified, but Temporal was away: finish it
                return await self.change(user, application_id, change_id)
            if change.status != ChangeStatus.awaiting_classification:
                raise Conflict(f"the change is {change.status}; it has been classified already",
                               "この計画変更は既に区分が決まっています")
            application = await session.get(Application, application_id)
            change.minor, change.classified_by = body.minor, user.id
            change.classification_reason = body.reason
            change.status = (ChangeStatus.recorded if body.minor else ChangeStatus.council_consultation).value
            change.current_step = None if body.minor else Status.council_consultation.value
            change.updated_at = utcnow()
            session.add(change)
            await session.commit()
        if body.minor:
            proposer = await self._user(change.proposed_by)
            await self.put_in_force(change.id, actor_for(proposer))
        else:
            await self._start_workflow(change, application)
        return await self.change(user, application_id, change_id)

    # --- the process of a change that is not minor ---------------------------------------------------------

    async def decide(self, user: User, application_id: int, change_id: int, request: DecisionRequest,
                     idempotency_key: str | None = None) -> PlanChangePublic:
        async with self.sessions() as session:
            status = await access.visible_status(session, user, application_id)
            change = await self._change(session, application_id, change_id)
        if Role(user.role) == Role.applicant:
            raise Forbidden("officials decide each step of a plan change", "計画変更の判断は担当の職員が行います")
        if not change.workflow_id or change.current_step is None:
            raise Conflict(f"the change is {change.status}; nothing to decide", "この計画変更には判断する段階がありません")
        decision = decision_input(user, request, current_step=change.current_step, government=status.government)
        if request.step == change.current_step:  # the dates in order and none in the future, as for applications
            async with self.sessions() as session:
                events = (await session.execute(select(PlanChangeEvent).where(
                    PlanChangeEvent.plan_change_id == change_id, PlanChangeEvent.kind == "decision")
                    .order_by(PlanChangeEvent.seq))).scalars().all()
            earlier = decision_dates.earlier_dates([(e.step, e.payload) for e in events])
            if errors := decision_dates.decision_date_errors(
                    request.step, decision.fields, earlier, today=decision_dates.today_in_japan(),
                    extension_until=self.settings.measure_extension_until):
                message, message_ja, field_errors = decision_dates.refusal(request.step, request.outcome, errors)
                raise Invalid(message, message_ja, errors=field_errors)
        await self._change_update(change, PlanChangeWorkflow.decide, decision, "decide", idempotency_key)
        return await self.change(user, application_id, change_id)

    async def resubmit(self, user: User, application_id: int, change_id: int, body: PlanChangeResubmitRequest,
                       idempotency_key: str | None = None) -> PlanChangePublic:
        """The company amends a returned change (optionally) and sends it back through the council."""
        async with self.sessions() as session:
            application, _ = await access.own_application(session, user, application_id)
            change = await self._change(session, application_id, change_id)
            if change.status == ChangeStatus.revision_requested:
                if body.changes is not None:
                    proposed = await self._proposal(session, application, change.base, body.changes)
                    in_force = await self._in_force(session, application)
                    field_changes = self._classify(application, change.base, proposed, in_force)
                    change.proposed = proposed
                    change.field_changes = [c.as_dict(self.settings.plan_change_minor_cost_ratio)
                                            for c in field_changes]
                    change.classification = overall(field_changes).value
                change.reason = body.reason or change.reason
                change.revision += 1
                change.updated_at = utcnow()
                session.add(change)
                await session.commit()
        if not change.workflow_id:
            raise Conflict(f"the change is {change.status}; only a returned change is resubmitted",
                           "差し戻された計画変更のみ再提出できます")
        await self._change_update(change, PlanChangeWorkflow.resubmit,
                                  PlanChangeResubmit(actor=actor_for(user), revision=change.revision), "resubmit",
                                  idempotency_key or f"revision-{change.revision}")
        return await self.change(user, application_id, change_id)

    # --- what the worker calls -------------------------------------------------------------------------------

    async def record_step(self, record: PlanChangeRecord) -> bool:
        """The change's workflow event and the state it leaves (idempotent by (change, seq))."""
        async with self.sessions() as session:
            exists = (await session.execute(select(PlanChangeEvent.id).where(
                PlanChangeEvent.plan_change_id == record.plan_change_id,
                PlanChangeEvent.seq == record.last_seq))).first()
            if exists is not None:
                return False
            actor = record.actor
            session.add(PlanChangeEvent(
                plan_change_id=record.plan_change_id, seq=record.last_seq, kind=record.kind, step=record.step,
                outcome=record.outcome, actor_user_id=actor.user_id if actor else None,
                actor_username=actor.username if actor else None, actor_role=actor.role.value if actor else None,
                reason=record.reason, payload=record.payload, status_after=record.status.value,
                occurred_at=record.occurred_at))
            change = await session.get(PlanChange, record.plan_change_id, with_for_update=True)
            if change is not None and record.last_seq > change.last_seq:
                change.status, change.last_seq = record.status.value, record.last_seq
                change.current_step = record.current_step.value if record.current_step else None
                change.returned_from = record.returned_from.value if record.returned_from else None
                change.updated_at = record.occurred_at
                session.add(change)
            try:
                await session.commit()
            except IntegrityError:  # a concurrent attempt wrote it first
                await session.rollback()
                return False
            return True

    async def put_in_force(self, change_id: int, actor: Actor, designation: dict[str, Any] | None = None) -> bool:
        """Bring the change's version into force (idempotent): the new version and items in the database, then
        the application's workflow follows them. False when the application has ended meanwhile."""
        async with self.sessions() as session:
            change = await session.get(PlanChange, change_id, with_for_update=True)
            application = await session.get(Application, change.application_id)
            status = await session.get(ApplicationStatus, change.application_id)
            if change.version is None:
                if status.status != Status.follow_up:
                    change.status, change.current_step = ChangeStatus.ended.value, None
                    session.add(change)
                    await session.commit()
                    return False
                await self._write_version(session, change, application, designation)
                await session.commit()
            items = [PlannedItemRef(id=row.id, description=row.description,
                                    planned_acquisition_on=row.planned_acquisition_on)
                     for row in (await session.execute(select(EquipmentItem).where(
                         EquipmentItem.application_id == application.id).order_by(EquipmentItem.position))).scalars()]
            told = await self._adopted(session, application.id, change.id)
        if not told:
            adopted = PlanVersionAdopted(actor=actor, plan_change_id=change.id, version=change.version,
                                         minor=designation is None, items=items, designation=designation,
                                         summary=[summary_line(c) for c in change.field_changes])
            try:
                await self.applications.update_workflow(application.id, ApplicationWorkflow.adopt_plan_version,
                                                        adopted, "plan-change-adopt", str(change.id), status.status)
            except Conflict:  # the application's process ended meanwhile
                return False
        return True

    # --- helpers ----------------------------------------------------------------------------------------------

    async def _write_version(self, session: AsyncSession, change: PlanChange, application: Application,
                             designation: dict[str, Any] | None) -> None:
        in_force = await self._in_force(session, application)
        if not (await session.execute(select(VersionInForce.id).where(
                VersionInForce.application_id == application.id))).first():
            session.add(VersionInForce(application_id=application.id, version=in_force.version, basis="designation",
                                       designation=in_force.designation, in_force_from=in_force.in_force_from))
        content = ApplicationContent.model_validate(_without_ids(change.proposed),
                                                    context=kept_area_context(application))
        ApplicationService.apply_content(application, content)
        application.content_version += 1
        application.updated_at = utcnow()
        session.add(application)
        session.add(ApplicationVersion(application_id=application.id, version=application.content_version,
                                       content=application.content, created_by=change.proposed_by))
        await self._write_items(session, application.id, change.proposed.get("equipment_items") or [])
        session.add(VersionInForce(application_id=application.id, version=application.content_version,
                                   basis="minor_change" if designation is None else "certified_change",
                                   plan_change_id=change.id, designation=designation or in_force.designation))
        change.version = application.content_version
        if designation is None:
            change.status = ChangeStatus.recorded.value
        change.updated_at = utcnow()
        session.add(change)
        status = await session.get(ApplicationStatus, application.id)
        status.government = application.government
        session.add(status)

    @staticmethod
    async def _write_items(session: AsyncSession, application_id: int, proposed_items: list[dict]) -> None:
        """Items change in place (reports and deadlines keep their ids); new ones are added; dropped ones go,
        unless something was reported against them meanwhile."""
        rows = {row.id: row for row in (await session.execute(select(EquipmentItem).where(
            EquipmentItem.application_id == application_id))).scalars()}
        kept = set()
        for position, item in enumerate(proposed_items, start=1):
            row = rows.get(item.get("item_id")) or EquipmentItem(application_id=application_id, position=position,
                                                                 asset_class="", description="", planned_cost_jpy=0)
            row.position, row.asset_class, row.description = position, item["asset_class"], item["description"]
            row.planned_cost_jpy = item["planned_cost_jpy"]
            row.planned_acquisition_on = _date(item.get("planned_acquisition_on"))
            session.add(row)
            kept.add(row.id)
        dropped = [item_id for item_id in rows if item_id not in kept]
        if dropped:
            reported = set((await session.execute(select(AcquisitionReport.equipment_item_id).where(
                AcquisitionReport.equipment_item_id.in_(dropped)))).scalars())
            gone = [item_id for item_id in dropped if item_id not in reported]
            if gone:
                await session.execute(delete(EquipmentItem).where(EquipmentItem.id.in_(gone)))

    async def _in_force(self, session: AsyncSession, application: Application) -> InForce | None:
        row = (await session.execute(select(VersionInForce).where(
            VersionInForce.application_id == application.id).order_by(VersionInForce.id.desc()))).scalars().first()
        if row is not None:
            return InForce(row.version, row.basis, row.designation, row.in_force_from)
        designated = (await session.execute(select(Decision).where(
            Decision.application_id == application.id, Decision.step == Status.designation.value,
            Decision.outcome == "designate").order_by(Decision.event_seq.desc()))).scalars().first()
        if designated is None:
            return None
        return InForce(application.content_version, "designation", dict(designated.payload), designated.decided_at)

    @staticmethod
    async def _base(session: AsyncSession, application: Application) -> dict[str, Any]:
        """The version in force with each planned item's id."""
        base = copy.deepcopy(application.content)
        rows = (await session.execute(select(EquipmentItem).where(EquipmentItem.application_id == application.id)
                                      .order_by(EquipmentItem.position))).scalars()
        base["equipment_items"] = [_item_dict(row) for row in rows]
        return base

    async def _proposal(self, session: AsyncSession, application: Application, base: dict[str, Any],
                        changes: PlanChanges) -> dict[str, Any]:
        """The base with the changes applied, checked as a complete application; items keep their ids."""
        given = changes.model_dump(mode="json", exclude_unset=True)
        proposed = copy.deepcopy(base)
        for key, value in given.items():
            if key == "applicant" and isinstance(value, dict):
                proposed["applicant"] = {**proposed.get("applicant", {}), **value}
            else:
                proposed[key] = value
        proposed = {key: value for key, value in proposed.items() if value is not None}
        known = {item["item_id"] for item in base.get("equipment_items", [])}
        named = [item.get("item_id") for item in proposed.get("equipment_items", []) if item.get("item_id") is not None]
        errors = [{"field": "equipment_items", "message": f"item {item_id} is not a planned item of the version in "
                                                         f"force / 現行の取得予定設備ではありません"}
                  for item_id in named if item_id not in known]
        if len(named) != len(set(named)):
            errors.append({"field": "equipment_items", "message": "an item is listed twice / 同じ設備が重複しています"})
        if errors:
            raise Invalid("the change names items that are not in force", "変更内容の取得予定設備に誤りがあります",
                          errors=errors)
        dropped = known - set(named)
        if dropped:
            reported = set((await session.execute(select(AcquisitionReport.equipment_item_id).where(
                AcquisitionReport.application_id == application.id,
                AcquisitionReport.equipment_item_id.in_(dropped)))).scalars())
            if reported:
                raise Invalid("an item with an acquisition report cannot be dropped",
                              "取得報告のある設備は取りやめにできません",
                              errors=[{"field": "equipment_items", "message": f"item {item_id} has been reported"}
                                      for item_id in sorted(reported)])
        try:
            content = ApplicationContent.model_validate(_without_ids(proposed), context=kept_area_context(application))
        except ValidationError as error:
            raise Invalid("the changed application is not valid", "変更後の申請内容に誤りがあります",
                          errors=validation_errors(error)) from None
        missing = missing_for_submission(content)
        if content.business_area and content.business_area != application.content.get("business_area") \
                and not match_address(content.business_area).ok:
            missing.append({"field": "business_area", "message": "the new business area must be confirmed inside "
                                                                 "the zone / 区域内と確認できる住所にしてください"})
        if missing:
            raise Invalid("the changed application is incomplete", "変更後の申請内容に不足があります", errors=missing)
        return proposed

    def _classify(self, application: Application, base: dict, proposed: dict, in_force: InForce):
        designation = in_force.designation
        window = Window(date.fromisoformat(designation["acquisition_from"]),
                        date.fromisoformat(designation["acquisition_until"]))
        new_address = proposed.get("business_area")
        if new_address == base.get("business_area"):
            proposed_area = application.zone_area
        else:
            matched = match_address(new_address) if new_address else None
            proposed_area = matched.key if matched is not None and matched.ok else None
        changes = classify(base=base, proposed=proposed, window=window,
                           cost_ratio=self.settings.plan_change_minor_cost_ratio, base_area=application.zone_area,
                           proposed_area=proposed_area)
        if not changes:
            raise Invalid("nothing changes: give the fields that change", "変更する項目がありません")
        return changes

    async def _start_workflow(self, change: PlanChange, application: Application) -> None:
        start = PlanChangeInput(plan_change_id=change.id, application_id=application.id,
                                organization_id=application.organization_id,
                                government=Government(application.government),
                                measure_sunset=self.settings.measure_last_date)
        workflow_id = plan_change_workflow_id(change.id)
        await self.applications.temporal_call(self.applications.temporal.start_workflow(
            PlanChangeWorkflow.run, start, id=workflow_id, task_queue=self.settings.task_queue,
            id_conflict_policy=WorkflowIDConflictPolicy.USE_EXISTING))
        async with self.sessions() as session:
            row = await session.get(PlanChange, change.id)
            row.workflow_id = workflow_id
            session.add(row)
            await session.commit()
        change.workflow_id = workflow_id

    async def _change_update(self, change: PlanChange, update, argument, kind: str, key: str | None) -> None:
        handle = self.applications.temporal.get_workflow_handle(change.workflow_id)
        options = {"id": f"{kind}-{key}"} if key else {}
        try:
            await self.applications.temporal_call(handle.execute_update(update, argument, **options))
        except RPCError as error:
            if error.status == RPCStatusCode.NOT_FOUND:
                raise Conflict(f"the change's process has ended ({change.status}); nothing more can be done",
                               "この計画変更の手続は終了しています") from None
            raise

    async def _carry_on(self, change: PlanChange, application: Application | None = None) -> None:
        """Finish what a request left undone when Temporal was unreachable (a retry gets here): a minor change
        still to be followed by the application's workflow, or a change's workflow still to be started."""
        if change.minor and change.status == ChangeStatus.recorded:
            await self.put_in_force(change.id, actor_for(await self._user(change.proposed_by)))
        elif change.minor is False and not change.workflow_id:
            if application is None:
                async with self.sessions() as session:
                    application = await session.get(Application, change.application_id)
            await self._start_workflow(change, application)

    @staticmethod
    async def _adopted(session: AsyncSession, application_id: int, change_id: int) -> bool:
        """Whether the application's workflow already recorded the change (a retry must not tell it twice)."""
        payloads = (await session.execute(select(Event.payload).where(
            Event.application_id == application_id,
            or_(Event.kind == "plan_changed", Event.kind == "decision")))).scalars()
        return any(payload.get("plan_change_id") == change_id for payload in payloads)

    async def _user(self, user_id: int) -> User:
        async with self.sessions() as session:
            return await session.get(User, user_id)

    @staticmethod
    async def _change(session: AsyncSession, application_id: int, change_id: int) -> PlanChange:
        change = await session.get(PlanChange, change_id)
        if change is None or change.application_id != application_id:
            raise NotFound(f"plan change {change_id} does not exist", "計画変更が見つかりません")
        return change

    @staticmethod
    def _require_designated(status: ApplicationStatus) -> None:
        if status.status != Status.follow_up:
            raise Conflict(f"only a designated application in follow-up can change its plan; it is {status.status}",
                           "計画の変更は指定後（フォローアップ中）の申請のみ行えます")

    @staticmethod
    def _public(change: PlanChange, events: list[PlanChangeEvent] | None = None) -> PlanChangePublic:
        return PlanChangePublic(
            id=change.id, application_id=change.application_id, base_version=change.base_version,
            revision=change.revision, reason=change.reason, status=change.status, current_step=change.current_step,
            returned_from=change.returned_from,
            classification=change.classification, minor=change.minor,
            classification_reason=change.classification_reason, version=change.version,
            field_changes=[FieldChangePublic(**c) for c in change.field_changes], proposed=change.proposed,
            created_at=change.created_at, updated_at=change.updated_at,
            events=None if events is None else [
                PlanChangeEventPublic(seq=e.seq, kind=e.kind, step=e.step, outcome=e.outcome, actor=e.actor_username,
                                      actor_role=e.actor_role, reason=e.reason, payload=e.payload,
                                      status_after=e.status_after, occurred_at=e.occurred_at) for e in events])


def _item_dict(row: EquipmentItem) -> dict[str, Any]:
    item = {"item_id": row.id, "asset_class": row.asset_class, "description": row.description,
            "planned_cost_jpy": row.planned_cost_jpy}
    if row.planned_acquisition_on:
        item["planned_acquisition_on"] = row.planned_acquisition_on.isoformat()
    return item


def _without_ids(content: dict[str, Any]) -> dict[str, Any]:
    plain = dict(content)
    plain["equipment_items"] = [{k: v for k, v in item.items() if k != "item_id" and v is not None}
                                for item in content.get("equipment_items", [])]
    return plain


def _date(value: Any) -> date | None:
    return date.fromisoformat(str(value)) if value else None


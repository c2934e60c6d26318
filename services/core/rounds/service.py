"""Filing rounds (計画変更の申請): a local official groups applications that passed the council, files them
with the Cabinet Office once, and the Cabinet Office certifies the round once or returns single
applications of it.

Every move goes through ApplicationService.decide, so each application's workflow validates and records
it like any other decision. The round keeps its intent (dates, reference, which applications are returned)
before it sends anything, and derives each decision's idempotency key from the round and the application,
so a retried or interrupted call finishes the same round and never decides twice.

Filing and certifying a round fan out through the round's own workflow (workflows/filing_round.py, one
per round and phase): the API stores the intent, starts or joins the workflow and waits for it a while;
the workers send the decisions (decide_member) and mark the round done (finish), so a round whose API
process or worker died halfway is finished by the next worker without anyone posting again.

The plan is one joint plan of the prefecture and both cities (作成主体: 神奈川県、横浜市、川崎市), so a round
of the prefecture is the joint plan's: every local official sees it and adds their own government's
applications, and each government confirms its own applications (only its officials; Fujisawa's areas are
the prefecture's) before the prefecture files the round once. The filing government's own applications are
confirmed by filing. Each application's filing decision is sent as the official who confirmed it."""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from temporalio.client import WorkflowFailureError
from temporalio.common import WorkflowIDConflictPolicy, WorkflowIDReusePolicy
from temporalio.exceptions import ApplicationError, WorkflowAlreadyStartedError
from temporalio.service import RPCError, RPCStatusCode

from services.core.accounts.models import User
from services.core.applications import access
from services.core.applications.models import Application, ApplicationStatus, Event
from services.core.applications.schemas import DecisionRequest
from services.core.applications.service import ApplicationService
from services.core.platform.exceptions import REFUSALS, Conflict, Forbidden, Invalid, NotFound, Unavailable
from services.core.platform.tables import utcnow
from services.core.rounds.models import (
    ACTIVE_APP_STATES,
    CERTIFIED,
    CERTIFIED_APP,
    CERTIFYING,
    DROPPED,
    FILED,
    FILING,
    IN_FILING,
    INCLUDED,
    OPEN,
    RETURNED,
    ROUND_LABELS_JA,
    FilingRound,
    FilingRoundApplication,
    FilingRoundConfirmation,
)
from services.core.rounds.schemas import (
    CandidatePublic,
    RoundApplicationPublic,
    RoundApplications,
    RoundCertify,
    RoundConfirmationPublic,
    RoundCreate,
    RoundFile,
    RoundPublic,
    RoundReturn,
)
from workflows.contracts import FilingRoundInput, Government, Role, RoundPhase, Status, filing_round_workflow_id
from workflows.filing_round import FilingRoundWorkflow
from workflows.rules import GOVERNMENT_LABELS_JA

log = logging.getLogger("tokku.rounds")


def _not_found(round_id: int) -> NotFound:
    return NotFound(f"filing round {round_id} does not exist or is not yours to see",
                    "計画変更の申請（ラウンド）が見つからないか、閲覧する権限がありません")


@dataclass
class RoundService:
    sessions: async_sessionmaker[AsyncSession]
    applications: ApplicationService

    # --- local officials: assemble and file ------------------------------------------------------------

    async def create(self, user: User, body: RoundCreate) -> RoundPublic:
        self._require_local_official(user)
        async with self.sessions() as session:
            await self._check_candidates(session, user, body.application_ids)
            filing_round = FilingRound(title=body.title, government=user.government, created_by=user.id)
            session.add(filing_round)
            await session.flush()
            for application_id in body.application_ids:
                session.add(FilingRoundApplication(round_id=filing_round.id, application_id=application_id,
                                                   added_by=user.id))
            await session.commit()
            return await self._public(session, filing_round, user)

    async def add(self, user: User, round_id: int, body: RoundApplications) -> RoundPublic:
        """Add applications the caller covers (a city's officials their own to the prefecture's joint round)."""
        async with self.sessions() as session:
            filing_round = await self._managed(session, user, round_id, joint=True)
            self._require_open(filing_round)
            present = {m.application_id for m in await self._members(session, round_id)}
            new_ids = [i for i in dict.fromkeys(body.application_ids) if i not in present]
            await self._check_candidates(session, user, new_ids)
            for application_id in new_ids:
                session.add(FilingRoundApplication(round_id=round_id, application_id=application_id,
                                                   added_by=user.id))
            filing_round.updated_at = utcnow()
            session.add(filing_round)
            await session.commit()
            return await self._public(session, filing_round, user)

    async def remove(self, user: User, round_id: int, application_id: int) -> RoundPublic:
        async with self.sessions() as session:
            filing_round = await self._managed(session, user, round_id, joint=True)
            self._require_open(filing_round)
            member = next((m for m in await self._members(session, round_id)
                           if m.application_id == application_id), None)
            if member is None:
                raise NotFound(f"application {application_id} is not in round {round_id}",
                               "この申請はこのラウンドに含まれていません")
            status = await session.get(ApplicationStatus, application_id)
            if status is None or not access.covers(user, status.government):
                raise Forbidden("only officials of the application's government take it out of a round",
                                "ラウンドから外せるのは、その申請を担当する自治体の職員のみです")
            await session.delete(member)
            await session.commit()
            return await self._public(session, filing_round, user)

    async def confirm(self, user: User, round_id: int, government: Government) -> RoundPublic:
        """A government confirms its own applications in the round before it is filed: only its own local
        officials may (the prefecture's for Fujisawa's areas, which are the prefecture's). Confirming again
        after the round's applications changed confirms the new set; once filed, it changes nothing."""
        self._require_local_official(user)
        async with self.sessions() as session:
            filing_round = await self._visible(session, user, round_id)
            if user.government != government:
                own = GOVERNMENT_LABELS_JA.get(Government(user.government), "不明") if user.government else "不明"
                raise Forbidden(
                    f"officials of {user.government} cannot confirm the applications of {government.value}: each "
                    "government confirms its own",
                    f"{GOVERNMENT_LABELS_JA[government]}の申請は{GOVERNMENT_LABELS_JA[government]}の職員のみ確認できます"
                    f"（{own}の職員は確認できません）")
            ids = (await self._ids_by_government(session, round_id)).get(government.value, [])
            confirmation = await self._confirmation(session, round_id, government.value)
            if filing_round.status != OPEN:
                if confirmation is not None:
                    return await self._public(session, filing_round, user)
                raise Conflict(f"round {round_id} is {filing_round.status}; applications are confirmed before it is "
                               "filed", f"このラウンドは「{ROUND_LABELS_JA[filing_round.status]}」のため確認できません")
            if not ids:
                raise Invalid(f"round {round_id} holds no application of {government.value} to confirm",
                              f"このラウンドに{GOVERNMENT_LABELS_JA[government]}の申請はありません",
                              errors=[{"field": "government", "message": "no application of this government"}])
            if confirmation is None:
                confirmation = FilingRoundConfirmation(round_id=round_id, government=government.value,
                                                       confirmed_by=user.id)
            confirmation.application_ids = ids
            confirmation.confirmed_by = user.id
            confirmation.confirmed_at = utcnow()
            session.add(confirmation)
            await session.commit()
            return await self._public(session, filing_round, user)

    async def file(self, user: User, round_id: int, body: RoundFile) -> RoundPublic:
        """File every application of the round with the Cabinet Office (local_filing/file, same date and
        reference); calling it again finishes an interrupted filing and otherwise changes nothing."""
        async with self.sessions() as session:
            filing_round = await self._managed(session, user, round_id)
            if filing_round.status == OPEN:
                members = await self._members(session, round_id)
                if not [m for m in members if m.state == INCLUDED]:
                    raise Invalid("the round has no applications to file; add some first",
                                  "このラウンドには申請がありません。申請を追加してください")
                await self._check_still_at_filing(session, [m.application_id for m in members])
                await self._confirm_by_filing(session, user, filing_round)
                filing_round.status = FILING
                filing_round.filed_on = body.filed_on
                filing_round.filing_reference = body.reference
                filing_round.filed_by = user.id
                filing_round.updated_at = utcnow()
                session.add(filing_round)
                await session.commit()
            elif (filing_round.filed_on, filing_round.filing_reference) != (body.filed_on, body.reference):
                raise Conflict(
                    f"round {round_id} was filed on {filing_round.filed_on} as {filing_round.filing_reference!r}; "
                    "a round is filed once",
                    f"このラウンドは{filing_round.filed_on}に「{filing_round.filing_reference}」として申請済みです")
            if filing_round.status != FILING:
                return await self._public(session, filing_round, user)
            members = await self._members(session, round_id)
        await self._run_workflow(user, round_id, RoundPhase.file,
                                 [m.application_id for m in members if m.state == INCLUDED])
        async with self.sessions() as session:
            return await self._public(session, await session.get(FilingRound, round_id), user)

    # --- the Cabinet Office: return single applications, certify the round ----------------------------

    async def return_application(self, user: User, round_id: int, body: RoundReturn) -> RoundPublic:
        """Return one filed application to its company (national_review/return); the rest stay filed."""
        self._require_national(user)
        async with self.sessions() as session:
            filing_round = await self._visible(session, user, round_id)
            member = await self._filed_member(session, filing_round, body.application_id)
            if member.state == RETURNED:
                return await self._public(session, filing_round, user)
            if filing_round.status != FILED:
                raise Conflict(f"round {round_id} is {filing_round.status}; applications are returned while it "
                               "is filed and not yet certified",
                               f"このラウンドは「{ROUND_LABELS_JA[filing_round.status]}」のため差し戻せません")
            member.return_reason = body.reason
            session.add(member)
            await session.commit()
        state = await self._send_return(user, round_id, body.application_id, body.reason)
        await self._set_member(member.id, state)
        async with self.sessions() as session:
            return await self._public(session, await session.get(FilingRound, round_id), user)

    async def certify(self, user: User, round_id: int, body: RoundCertify) -> RoundPublic:
        """Certify the round once: every filed application is certified (national_review/certify) except
        those returned, which go back to their company alone."""
        self._require_national(user)
        async with self.sessions() as session:
            filing_round = await self._visible(session, user, round_id)
            if filing_round.status == FILED:
                for item in body.returns:
                    member = await self._filed_member(session, filing_round, item.application_id)
                    if member.state == IN_FILING:
                        member.return_reason = item.reason
                        session.add(member)
                filing_round.status = CERTIFYING
                filing_round.certified_on = body.certified_on
                filing_round.certification_reference = body.reference
                filing_round.certified_by = user.id
                filing_round.updated_at = utcnow()
                session.add(filing_round)
                await session.commit()
            elif filing_round.status in (OPEN, FILING):
                raise Conflict(f"round {round_id} has not been filed yet; it is certified after filing",
                               "このラウンドはまだ申請されていないため認定できません")
            elif (filing_round.certified_on, filing_round.certification_reference) != (body.certified_on,
                                                                                        body.reference):
                raise Conflict(
                    f"round {round_id} was certified on {filing_round.certified_on} as "
                    f"{filing_round.certification_reference!r}; a round is certified once",
                    f"このラウンドは{filing_round.certified_on}に「{filing_round.certification_reference}」として"
                    "認定済みです")
            if filing_round.status != CERTIFYING:
                return await self._public(session, filing_round, user)
            members = await self._members(session, round_id)
        await self._run_workflow(user, round_id, RoundPhase.certify,
                                 [m.application_id for m in members if m.state == IN_FILING])
        async with self.sessions() as session:
            return await self._public(session, await session.get(FilingRound, round_id), user)

    # --- the round's workflow: one decision per application, then the round is done --------------------

    async def decide_member(self, round_id: int, phase: RoundPhase, application_id: int, *,
                            acting_user_id: int) -> str:
        """Send one application of the round its decision of `phase`, as the official whose post started the
        round's workflow, with the key derived from round and application; return its state in the round.
        Run by the round's workflow (an activity): a repeated call finds the decision made and sends nothing."""
        async with self.sessions() as session:
            filing_round = await session.get(FilingRound, round_id)
            member = (await session.execute(select(FilingRoundApplication).where(
                FilingRoundApplication.round_id == round_id,
                FilingRoundApplication.application_id == application_id))).scalars().one()
            waiting = INCLUDED if phase == RoundPhase.file else IN_FILING
            if member.state != waiting:
                return member.state  # settled by an earlier attempt, or returned on its own
            user = await session.get(User, acting_user_id)
            if phase == RoundPhase.file:  # each government files its own applications of the joint plan
                status = await session.get(ApplicationStatus, application_id)
                confirmation = await self._confirmation(session, round_id, status.government if status else None)
                if confirmation is not None:
                    user = await session.get(User, confirmation.confirmed_by)
        if phase == RoundPhase.file:
            decision = DecisionRequest.model_validate({"step": Status.local_filing, "outcome": "file",
                                                       "filed_on": filing_round.filed_on.isoformat(),
                                                       "reference": filing_round.filing_reference})
            state = await self._send(user, application_id, Status.local_filing, "file", decision,
                                     f"round-{round_id}-file-{application_id}")
        elif member.return_reason:
            state = await self._send_return(user, round_id, application_id, member.return_reason)
        else:
            decision = DecisionRequest.model_validate({"step": Status.national_review, "outcome": "certify",
                                                       "certified_on": filing_round.certified_on.isoformat(),
                                                       "reference": filing_round.certification_reference})
            state = await self._send(user, application_id, Status.national_review, "certify", decision,
                                     f"round-{round_id}-certify-{application_id}")
        await self._set_member(member.id, state)
        return state

    async def finish(self, round_id: int, phase: RoundPhase) -> None:
        """Mark the round filed or certified once all its decisions are made (the workflow's last step)."""
        in_progress, done = (FILING, FILED) if phase == RoundPhase.file else (CERTIFYING, CERTIFIED)
        async with self.sessions() as session:
            filing_round = await session.get(FilingRound, round_id)
            if filing_round.status != in_progress:
                return  # a repeated attempt: finished already
            filing_round.status = done
            if phase == RoundPhase.file:
                filing_round.filed_at = filing_round.filed_at or utcnow()
            else:
                filing_round.certified_at = filing_round.certified_at or utcnow()
            filing_round.updated_at = utcnow()
            session.add(filing_round)
            await session.commit()

    async def _run_workflow(self, user: User, round_id: int, phase: RoundPhase, application_ids: list[int]) -> None:
        """Start the round's workflow, or join the one running or finished, and wait for it up to
        `round_wait_seconds`; past that the workers finish the round on their own (the caller sees it
        still filing or certifying). A refusal of one application's decision is raised as it would be for a
        direct decision; the round then stays in progress and posting again starts the workflow anew."""
        temporal, settings = self.applications.temporal, self.applications.settings
        workflow_id = filing_round_workflow_id(round_id, phase)
        try:
            try:
                handle = await temporal.start_workflow(
                    FilingRoundWorkflow.run,
                    FilingRoundInput(round_id=round_id, phase=phase, acting_user_id=user.id,
                                     application_ids=application_ids),
                    id=workflow_id, task_queue=settings.task_queue,
                    # Running: join it. Finished: never a second run, unless the last one failed or was stopped.
                    id_conflict_policy=WorkflowIDConflictPolicy.USE_EXISTING,
                    id_reuse_policy=WorkflowIDReusePolicy.ALLOW_DUPLICATE_FAILED_ONLY)
            except WorkflowAlreadyStartedError:
                handle = temporal.get_workflow_handle_for(FilingRoundWorkflow.run, workflow_id)
            await asyncio.wait_for(handle.result(), timeout=settings.round_wait_seconds)
        except TimeoutError:
            return
        except WorkflowFailureError as failure:
            cause = failure.cause
            if isinstance(cause, ApplicationError) and cause.type in REFUSALS:
                details = cause.details[0] if cause.details and isinstance(cause.details[0], dict) else {}
                raise REFUSALS[cause.type](cause.message, details.get("message_ja"),
                                           errors=details.get("errors")) from None
            log.warning("filing round %s: workflow %s ended without finishing (%s); posting again restarts it",
                        round_id, workflow_id, cause)
        except RPCError as error:
            if error.status in (RPCStatusCode.UNAVAILABLE, RPCStatusCode.DEADLINE_EXCEEDED):
                raise Unavailable("the workflow service is not reachable; the round stays in progress, post again "
                                  "in a moment", "ワークフローサービスに接続できません。しばらくしてから再度お試しください"
                                  ) from None
            raise

    # --- reads -------------------------------------------------------------------------------------------

    async def list(self, user: User) -> list[RoundPublic]:
        self._require_official(user)
        async with self.sessions() as session:
            query = (select(FilingRound).where(access.round_visible_clause(user))
                     .order_by(FilingRound.id.desc()).limit(500))
            rounds = list((await session.execute(query)).scalars())
            return [await self._public(session, r, user) for r in rounds]

    async def get(self, user: User, round_id: int) -> RoundPublic:
        self._require_official(user)
        async with self.sessions() as session:
            return await self._public(session, await self._visible(session, user, round_id), user)

    async def candidates(self, user: User) -> list[CandidatePublic]:
        """Applications the caller may put in a round: passed the council, in no open round."""
        self._require_local_official(user)
        async with self.sessions() as session:
            busy = select(FilingRoundApplication.application_id).where(
                FilingRoundApplication.state.in_(ACTIVE_APP_STATES))
            rows = (await session.execute(
                select(ApplicationStatus, Application)
                .join(Application, Application.id == ApplicationStatus.application_id)
                .where(ApplicationStatus.status == Status.local_filing.value,
                       ApplicationStatus.application_id.not_in(busy), access.visible_clause(user))
                .order_by(ApplicationStatus.application_id))).all()
        return [CandidatePublic(application_id=status.application_id, project_name=application.project_name,
                                applicant_name=(application.content.get("applicant") or {}).get("name"),
                                government=status.government)
                for status, application in rows]

    async def round_application_ids(self, user: User, round_id: int) -> list[int]:
        """The applications of a round the caller may see (documents of a round): a city's official gets its
        own of the joint round."""
        self._require_official(user)
        async with self.sessions() as session:
            await self._visible(session, user, round_id)
            ids = []
            for member in await self._members(session, round_id):
                status = await session.get(ApplicationStatus, member.application_id)
                if member.state != DROPPED and status is not None and access.can_see(user, status):
                    ids.append(member.application_id)
            return ids

    # --- helpers -----------------------------------------------------------------------------------------

    async def _send(self, user: User, application_id: int, step: Status, outcome: str,
                    decision: DecisionRequest, idempotency_key: str) -> str:
        """Send one decision unless the application has moved on already; return its state in the round."""
        target = {"file": IN_FILING, "certify": CERTIFIED_APP, "return": RETURNED}[outcome]
        async with self.sessions() as session:
            status = await session.get(ApplicationStatus, application_id)
            done = await self._decided(session, application_id, step, outcome)
        if done:
            return target
        if status is None or status.status != step.value:
            return DROPPED  # withdrawn or ended while in the round: nothing to decide any more
        try:
            await self.applications.decide(user, application_id, decision, idempotency_key=idempotency_key)
        except Conflict:
            # It moved on between the check and the update (withdrawn meanwhile, say): settle it as it is now.
            async with self.sessions() as session:
                if await self._decided(session, application_id, step, outcome):
                    return target
                status = await session.get(ApplicationStatus, application_id)
            if status is None or status.status != step.value:
                return DROPPED
            raise
        return target

    async def _send_return(self, user: User, round_id: int, application_id: int, reason: str) -> str:
        decision = DecisionRequest.model_validate({"step": Status.national_review, "outcome": "return",
                                                   "reason": reason})
        return await self._send(user, application_id, Status.national_review, "return", decision,
                                f"round-{round_id}-return-{application_id}")

    @staticmethod
    async def _decided(session: AsyncSession, application_id: int, step: Status, outcome: str) -> bool:
        """Whether this step's decision is already recorded after the application's last resubmission."""
        events = (await session.execute(select(Event).where(Event.application_id == application_id)
                                        .order_by(Event.seq.desc()))).scalars().all()
        for event in events:
            if event.kind == "decision" and event.step == step.value:
                return event.outcome == outcome
            if event.kind in ("resubmitted", "submitted"):
                return False
        return False

    async def _set_member(self, member_id: int, state: str) -> None:
        async with self.sessions() as session:
            member = await session.get(FilingRoundApplication, member_id)
            member.state = state
            member.decided_at = utcnow()
            session.add(member)
            await session.commit()

    async def _check_candidates(self, session: AsyncSession, user: User, application_ids: list[int]) -> None:
        problems = []
        for application_id in application_ids:
            status = await session.get(ApplicationStatus, application_id)
            if status is None or not access.can_see(user, status):
                problems.append({"field": "application_ids", "message":
                                 f"application {application_id} does not exist or is not in your area / "
                                 f"申請{application_id}は存在しないか、担当区域外です"})
                continue
            if status.status != Status.local_filing.value:
                problems.append({"field": "application_ids", "message":
                                 f"application {application_id} is {status.status}, not local_filing: only "
                                 f"applications that passed the council can be filed / "
                                 f"申請{application_id}は地域協議会の協議を終えていません"})
                continue
            busy = (await session.execute(select(FilingRoundApplication.round_id).where(
                FilingRoundApplication.application_id == application_id,
                FilingRoundApplication.state.in_(ACTIVE_APP_STATES)))).scalars().first()
            if busy is not None:
                problems.append({"field": "application_ids", "message":
                                 f"application {application_id} is already in round {busy} / "
                                 f"申請{application_id}は既にラウンド{busy}に含まれています"})
        if problems:
            raise Invalid("some applications cannot go into this round", "ラウンドに含められない申請があります",
                          errors=problems)

    @staticmethod
    async def _check_still_at_filing(session: AsyncSession, application_ids: list[int]) -> None:
        moved = []
        for application_id in application_ids:
            status = await session.get(ApplicationStatus, application_id)
            if status is None or status.status != Status.local_filing.value:
                moved.append(f"{application_id} ({status.status if status else 'missing'})")
        if moved:
            raise Conflict(f"applications no longer waiting for filing: {', '.join(moved)}; remove them from the "
                           "round first", f"申請待ちではなくなった申請があります: {', '.join(moved)}")

    @staticmethod
    async def _members(session: AsyncSession, round_id: int) -> list[FilingRoundApplication]:
        return list((await session.execute(select(FilingRoundApplication).where(
            FilingRoundApplication.round_id == round_id).order_by(FilingRoundApplication.id))).scalars())

    @staticmethod
    async def _ids_by_government(session: AsyncSession, round_id: int) -> dict[str, list[int]]:
        """The round's applications awaiting filing, by their government."""
        rows = (await session.execute(
            select(ApplicationStatus.government, FilingRoundApplication.application_id)
            .join(ApplicationStatus, ApplicationStatus.application_id == FilingRoundApplication.application_id)
            .where(FilingRoundApplication.round_id == round_id, FilingRoundApplication.state == INCLUDED)
            .order_by(FilingRoundApplication.application_id))).all()
        by_government: dict[str, list[int]] = {}
        for government, application_id in rows:
            by_government.setdefault(government or "", []).append(application_id)
        return by_government

    @staticmethod
    async def _confirmation(session: AsyncSession, round_id: int,
                            government: str | None) -> FilingRoundConfirmation | None:
        if not government:
            return None
        return (await session.execute(select(FilingRoundConfirmation).where(
            FilingRoundConfirmation.round_id == round_id,
            FilingRoundConfirmation.government == government))).scalars().first()

    async def _confirm_by_filing(self, session: AsyncSession, user: User, filing_round: FilingRound) -> None:
        """Before filing: every government with applications in the round has confirmed the set it holds now;
        the filing official's own government's are confirmed by the filing itself (recorded as such)."""
        missing = []
        for government, ids in (await self._ids_by_government(session, filing_round.id)).items():
            confirmation = await self._confirmation(session, filing_round.id, government)
            if government == user.government:
                if confirmation is None:
                    confirmation = FilingRoundConfirmation(round_id=filing_round.id, government=government,
                                                           confirmed_by=user.id)
                if confirmation.application_ids != ids:
                    confirmation.application_ids, confirmation.confirmed_by = ids, user.id
                    confirmation.confirmed_at = utcnow()
                    session.add(confirmation)
            elif confirmation is None or confirmation.application_ids != ids:
                missing.append(government)
        if missing:
            names = "、".join(GOVERNMENT_LABELS_JA.get(Government(g), g) if g else "不明" for g in sorted(missing))
            raise Conflict(f"the round waits for {', '.join(sorted(missing))} to confirm their applications (each "
                           "government confirms its own, again after a change) before it is filed",
                           f"{names}による自団体の申請の確認が済んでいないため、申請できません",
                           errors=[{"field": "confirmations", "message": g} for g in sorted(missing)])

    async def _filed_member(self, session: AsyncSession, filing_round: FilingRound,
                            application_id: int) -> FilingRoundApplication:
        member = next((m for m in await self._members(session, filing_round.id)
                       if m.application_id == application_id), None)
        if member is None or member.state not in (IN_FILING, RETURNED):
            raise Invalid(f"application {application_id} is not a filed application of round {filing_round.id}",
                          f"申請{application_id}はこのラウンドで申請された案件ではありません",
                          errors=[{"field": "application_id", "message": "not filed in this round"}])
        return member

    async def _managed(self, session: AsyncSession, user: User, round_id: int, *, joint: bool = False) -> FilingRound:
        """A round the caller may change: a local official of its government, or of the prefecture; with
        `joint`, any local official who sees it (the prefecture's joint round takes every government's own
        applications). Filing stays with the round's government."""
        self._require_local_official(user)
        filing_round = await self._visible(session, user, round_id)
        if not joint and not access.covers(user, filing_round.government):
            raise Forbidden("the joint round is filed by the government that assembled it; confirm your own "
                            "applications instead (POST …/confirmations/{government})",
                            "共同のラウンドは作成した自治体が申請します。自団体の申請の確認を行ってください")
        return filing_round

    async def _visible(self, session: AsyncSession, user: User, round_id: int) -> FilingRound:
        filing_round = await session.get(FilingRound, round_id)
        if filing_round is None or not access.can_see_round(user, filing_round.government, filing_round.status):
            raise _not_found(round_id)
        return filing_round

    @staticmethod
    def _require_open(filing_round: FilingRound) -> None:
        if filing_round.status != OPEN:
            raise Conflict(f"round {filing_round.id} is {filing_round.status}; applications are added or removed "
                           "only before it is filed",
                           f"このラウンドは「{ROUND_LABELS_JA[filing_round.status]}」のため申請を追加・削除できません")

    @staticmethod
    def _require_local_official(user: User) -> None:
        if user.role != Role.local_official:
            raise Forbidden("filing rounds are assembled and filed by local officials",
                            "計画変更の申請は地方公共団体の職員が行います")

    @staticmethod
    def _require_national(user: User) -> None:
        if user.role != Role.national_official:
            raise Forbidden("filing rounds are certified or returned by the Cabinet Office",
                            "計画変更の認定・差戻しは内閣府の職員が行います")

    @staticmethod
    def _require_official(user: User) -> None:
        if user.role not in (Role.local_official, Role.national_official, Role.admin):
            raise Forbidden("filing rounds are for local officials, the Cabinet Office and administrators",
                            "計画変更の申請は地方公共団体・内閣府の職員のみ閲覧できます")

    async def _public(self, session: AsyncSession, filing_round: FilingRound, user: User) -> RoundPublic:
        """The round as the caller may see it: an application's names only to those who may see it (a city's
        official sees the joint round's other applications by number, government and state)."""
        await session.refresh(filing_round)
        rows = (await session.execute(
            select(FilingRoundApplication, ApplicationStatus, Application)
            .join(ApplicationStatus, ApplicationStatus.application_id == FilingRoundApplication.application_id)
            .join(Application, Application.id == FilingRoundApplication.application_id)
            .where(FilingRoundApplication.round_id == filing_round.id)
            .order_by(FilingRoundApplication.id))).all()
        by_government = await self._ids_by_government(session, filing_round.id)
        confirmations, confirmed = [], set()
        for confirmation, username in (await session.execute(
                select(FilingRoundConfirmation, User.username)
                .join(User, User.id == FilingRoundConfirmation.confirmed_by)
                .where(FilingRoundConfirmation.round_id == filing_round.id)
                .order_by(FilingRoundConfirmation.government))).all():
            current = filing_round.status != OPEN or confirmation.application_ids == by_government.get(
                confirmation.government)
            confirmed |= {confirmation.government} if current else set()
            confirmations.append(RoundConfirmationPublic(
                government=confirmation.government, application_ids=confirmation.application_ids,
                confirmed_by=username, confirmed_at=confirmation.confirmed_at, current=current))
        awaiting = ([g for g in sorted(by_government) if g and g not in confirmed]
                    if filing_round.status == OPEN else [])
        return RoundPublic(
            id=filing_round.id, title=filing_round.title, government=filing_round.government,
            status=filing_round.status, status_ja=ROUND_LABELS_JA[filing_round.status],
            filed_on=filing_round.filed_on, filing_reference=filing_round.filing_reference,
            certified_on=filing_round.certified_on, certification_reference=filing_round.certification_reference,
            created_at=filing_round.created_at, filed_at=filing_round.filed_at,
            certified_at=filing_round.certified_at,
            applications=[RoundApplicationPublic(
                application_id=member.application_id,
                project_name=application.project_name if access.can_see(user, status) else None,
                applicant_name=(application.content.get("applicant") or {}).get("name")
                if access.can_see(user, status) else None,
                government=status.government, status=status.status, state=member.state,
                return_reason=member.return_reason if access.can_see(user, status) else None,
                decided_at=member.decided_at)
                for member, status, application in rows],
            confirmations=confirmations, awaiting_confirmation=awaiting)

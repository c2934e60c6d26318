"""Filing rounds (計画変更の申請): a local official groups applications that passed the council, files them
with the Cabinet Office once, and the Cabinet Office certifies the round once or returns single
applications of it.

Every move goes through ApplicationService.decide, so each application's workflow validates and records
it like any other decision. The round keeps its intent (dates, reference, which applications are returned)
before it sends anything, and derives each decision's idempotency key from the round and the application,
so a retried or interrupted call finishes the same round and never decides twice.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from pydantic import BaseModel, ConfigDict, Field, field_validator
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from services.core.applications import ApplicationService
from services.core.exceptions import Conflict, Forbidden, Invalid, NotFound
from services.core.models import Application, ApplicationStatus, Event, User, utcnow
from services.core.records_models import FilingRound, FilingRoundApplication
from services.core.schemas import DecisionRequest
from workflows import rules
from workflows.contracts import Government, JpDate, Role, Status

# Round states, in order; an application's state inside a round.
OPEN, FILING, FILED, CERTIFYING, CERTIFIED = "open", "filing", "filed", "certifying", "certified"
INCLUDED, IN_FILING, CERTIFIED_APP, RETURNED, DROPPED = "included", "filed", "certified", "returned", "dropped"
ACTIVE_APP_STATES = (INCLUDED, IN_FILING)
ROUND_LABELS_JA = {OPEN: "作成中", FILING: "申請処理中", FILED: "申請済", CERTIFYING: "認定処理中",
                   CERTIFIED: "認定済"}


class _Body(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class RoundCreate(_Body):
    title: str = Field(min_length=1, max_length=200, description="e.g. 令和4年度 第2回 計画変更")
    application_ids: list[int] = Field(min_length=1, max_length=200)

    @field_validator("application_ids")
    @classmethod
    def _unique(cls, value: list[int]) -> list[int]:
        return list(dict.fromkeys(value))


class RoundApplications(_Body):
    application_ids: list[int] = Field(min_length=1, max_length=200)


class RoundFile(_Body):
    filed_on: JpDate
    reference: str = Field(min_length=1, max_length=200)


class RoundReturn(_Body):
    application_id: int
    reason: str = Field(min_length=1, max_length=2000, description="why it goes back to its company")


class RoundCertify(_Body):
    certified_on: JpDate
    reference: str = Field(min_length=1, max_length=200)
    returns: list[RoundReturn] = Field(default_factory=list, description="applications returned, not certified")


class RoundApplicationPublic(BaseModel):
    application_id: int
    project_name: str | None
    applicant_name: str | None
    government: Government | None
    status: Status
    state: str
    return_reason: str | None
    decided_at: datetime | None


class RoundPublic(BaseModel):
    id: int
    title: str
    government: Government
    status: str
    status_ja: str
    filed_on: date | None
    filing_reference: str | None
    certified_on: date | None
    certification_reference: str | None
    created_at: datetime
    filed_at: datetime | None
    certified_at: datetime | None
    applications: list[RoundApplicationPublic]


class CandidatePublic(BaseModel):
    application_id: int
    project_name: str | None
    applicant_name: str | None
    government: Government | None


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
            return await self._public(session, filing_round)

    async def add(self, user: User, round_id: int, body: RoundApplications) -> RoundPublic:
        async with self.sessions() as session:
            filing_round = await self._managed(session, user, round_id)
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
            return await self._public(session, filing_round)

    async def remove(self, user: User, round_id: int, application_id: int) -> RoundPublic:
        async with self.sessions() as session:
            filing_round = await self._managed(session, user, round_id)
            self._require_open(filing_round)
            member = next((m for m in await self._members(session, round_id)
                           if m.application_id == application_id), None)
            if member is None:
                raise NotFound(f"application {application_id} is not in round {round_id}",
                               "この申請はこのラウンドに含まれていません")
            await session.delete(member)
            await session.commit()
            return await self._public(session, filing_round)

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
                return await self._public(session, filing_round)
            members = await self._members(session, round_id)
        decision = DecisionRequest.model_validate({"step": Status.local_filing, "outcome": "file",
                                                   "filed_on": filing_round.filed_on.isoformat(),
                                                   "reference": filing_round.filing_reference})
        for member in members:
            if member.state != INCLUDED:
                continue
            state = await self._send(user, member.application_id, Status.local_filing, "file", decision,
                                     f"round-{round_id}-file-{member.application_id}")
            await self._set_member(member.id, state)
        async with self.sessions() as session:
            filing_round = await session.get(FilingRound, round_id)
            filing_round.status = FILED
            filing_round.filed_at = filing_round.filed_at or utcnow()
            filing_round.updated_at = utcnow()
            session.add(filing_round)
            await session.commit()
            return await self._public(session, filing_round)

    # --- the Cabinet Office: return single applications, certify the round ----------------------------

    async def return_application(self, user: User, round_id: int, body: RoundReturn) -> RoundPublic:
        """Return one filed application to its company (national_review/return); the rest stay filed."""
        self._require_national(user)
        async with self.sessions() as session:
            filing_round = await self._visible(session, user, round_id)
            member = await self._filed_member(session, filing_round, body.application_id)
            if member.state == RETURNED:
                return await self._public(session, filing_round)
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
            return await self._public(session, await session.get(FilingRound, round_id))

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
                return await self._public(session, filing_round)
            members = await self._members(session, round_id)
        certify = DecisionRequest.model_validate({"step": Status.national_review, "outcome": "certify",
                                                  "certified_on": filing_round.certified_on.isoformat(),
                                                  "reference": filing_round.certification_reference})
        for member in members:
            if member.state != IN_FILING:
                continue
            if member.return_reason:
                state = await self._send_return(user, round_id, member.application_id, member.return_reason)
            else:
                state = await self._send(user, member.application_id, Status.national_review, "certify", certify,
                                         f"round-{round_id}-certify-{member.application_id}")
            await self._set_member(member.id, state)
        async with self.sessions() as session:
            filing_round = await session.get(FilingRound, round_id)
            filing_round.status = CERTIFIED
            filing_round.certified_at = filing_round.certified_at or utcnow()
            filing_round.updated_at = utcnow()
            session.add(filing_round)
            await session.commit()
            return await self._public(session, filing_round)

    # --- reads -------------------------------------------------------------------------------------------

    async def list(self, user: User) -> list[RoundPublic]:
        self._require_official(user)
        async with self.sessions() as session:
            query = select(FilingRound).order_by(FilingRound.id.desc()).limit(500)
            rounds = [r for r in (await session.execute(query)).scalars() if self._can_view(user, r)]
            return [await self._public(session, r) for r in rounds]

    async def get(self, user: User, round_id: int) -> RoundPublic:
        self._require_official(user)
        async with self.sessions() as session:
            return await self._public(session, await self._visible(session, user, round_id))

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
                       ApplicationStatus.application_id.not_in(busy))
                .order_by(ApplicationStatus.application_id))).all()
        return [CandidatePublic(application_id=status.application_id, project_name=application.project_name,
                                applicant_name=(application.content.get("applicant") or {}).get("name"),
                                government=status.government)
                for status, application in rows if rules.official_covers(user.government, status.government)]

    async def round_application_ids(self, user: User, round_id: int) -> list[int]:
        """The applications of a round the caller may see (documents of a round)."""
        self._require_official(user)
        async with self.sessions() as session:
            await self._visible(session, user, round_id)
            return [m.application_id for m in await self._members(session, round_id) if m.state != DROPPED]

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
        await self.applications.decide(user, application_id, decision, idempotency_key=idempotency_key)
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
            if status is None or status.furthest_rank < rules.progress_rank(Status.intake_review) or \
                    not rules.official_covers(user.government, status.government):
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

    async def _filed_member(self, session: AsyncSession, filing_round: FilingRound,
                            application_id: int) -> FilingRoundApplication:
        member = next((m for m in await self._members(session, filing_round.id)
                       if m.application_id == application_id), None)
        if member is None or member.state not in (IN_FILING, RETURNED):
            raise Invalid(f"application {application_id} is not a filed application of round {filing_round.id}",
                          f"申請{application_id}はこのラウンドで申請された案件ではありません",
                          errors=[{"field": "application_id", "message": "not filed in this round"}])
        return member

    async def _managed(self, session: AsyncSession, user: User, round_id: int) -> FilingRound:
        """A round the caller (a local official of its government, or of the prefecture) may change."""
        self._require_local_official(user)
        filing_round = await session.get(FilingRound, round_id)
        if filing_round is None or not self._can_view(user, filing_round):
            raise _not_found(round_id)
        return filing_round

    async def _visible(self, session: AsyncSession, user: User, round_id: int) -> FilingRound:
        filing_round = await session.get(FilingRound, round_id)
        if filing_round is None or not self._can_view(user, filing_round):
            raise _not_found(round_id)
        return filing_round

    @staticmethod
    def _can_view(user: User, filing_round: FilingRound) -> bool:
        role = Role(user.role)
        if role == Role.admin:
            return True
        if role == Role.local_official:
            return rules.official_covers(user.government, filing_round.government)
        if role == Role.national_official:
            return filing_round.status in (FILED, CERTIFYING, CERTIFIED)
        return False

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

    async def _public(self, session: AsyncSession, filing_round: FilingRound) -> RoundPublic:
        await session.refresh(filing_round)
        rows = (await session.execute(
            select(FilingRoundApplication, ApplicationStatus, Application)
            .join(ApplicationStatus, ApplicationStatus.application_id == FilingRoundApplication.application_id)
            .join(Application, Application.id == FilingRoundApplication.application_id)
            .where(FilingRoundApplication.round_id == filing_round.id)
            .order_by(FilingRoundApplication.id))).all()
        return RoundPublic(
            id=filing_round.id, title=filing_round.title, government=filing_round.government,
            status=filing_round.status, status_ja=ROUND_LABELS_JA[filing_round.status],
            filed_on=filing_round.filed_on, filing_reference=filing_round.filing_reference,
            certified_on=filing_round.certified_on, certification_reference=filing_round.certification_reference,
            created_at=filing_round.created_at, filed_at=filing_round.filed_at,
            certified_at=filing_round.certified_at,
            applications=[RoundApplicationPublic(
                application_id=member.application_id, project_name=application.project_name,
                applicant_name=(application.content.get("applicant") or {}).get("name"),
                government=status.government, status=status.status, state=member.state,
                return_reason=member.return_reason, decided_at=member.decided_at)
                for member, status, application in rows])

"""The regional council (地域協議会) and its consultations as data: loaded from the plan, filled by the
workflow's council decisions.

- `prepare_council(session, plan)` runs once when a process that serves the record starts (the API's
  start-up, `tokku dev`, `tokku export`): it loads the plan's council, member list and the 16 printed
  consultations (`load_council`, idempotent: rows are keyed) and links any council decision recorded
  before the council was loaded.
- `sync_council_decisions(session)` turns every `council_consultation` decision not yet linked (method,
  held_from/held_to, opinions, responses) into a consultation; decisions held the same way on the same
  dates are one consultation of several applications. The worker's recording activity calls it right after
  it writes a council decision, so the projection is current without any read writing.
- `council_record(session)` reads it all back in the plan's order; it writes nothing.
"""

from __future__ import annotations

import calendar
from datetime import date
from typing import Any

from pydantic import BaseModel
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from services.core.applications.models import Decision
from services.core.council.models import Consultation, ConsultationDecision, Council, CouncilMember
from services.core.platform.tables import utcnow
from workflows.jpdates import to_japanese_era

METHOD_TEXT = {
    "meeting": "協議会を開催",
    "individual_visits": "個別訪問による協議を実施",
    "ict": "ICTを活用した協議を実施",
    "individual_visits_and_ict": "個別訪問、ICTを活用した協議を実施",
}
COUNCIL_STEP = "council_consultation"


class CouncilMemberPublic(BaseModel):
    category: str
    category_text: str | None
    affiliation_and_title: str | None


class ConsultationPublic(BaseModel):
    no: int
    circled: str
    label: str
    date_text: str
    held_from: date
    held_to: date
    date_precision: str
    method: str
    method_text: str
    opinions: list[str]
    responses: list[str]
    source: str
    application_ids: list[int]

    @property
    def heading(self) -> str:
        """The block heading of 別添6: 【①第1回】, 【③6月～9月】."""
        return f"【{self.circled}{self.label}】"

    @property
    def date_item(self) -> str:
        """An item of 協議を行った日: ①第1回 平成23年3月9日, ③平成23年6月～9月."""
        return f"{self.circled}{self.label} {self.date_text}" if self.method == "meeting" else \
            f"{self.circled}{self.date_text}"

    @property
    def method_item(self) -> str:
        """An item of 協議の方法: ①第1回 協議会を開催, ③個別訪問、ICTを活用した協議を実施."""
        return f"{self.circled}{self.method_text}"


class CouncilRecord(BaseModel):
    name: str
    established_on: date | None
    established_text: str | None
    members_text: str | None
    members_list_title: str | None
    members_note: str | None
    members: list[CouncilMemberPublic]
    consultations: list[ConsultationPublic]


def circled(number: int) -> str:
    """① … ⑳, ㉑ … ㊿ (the plan numbers consultations this way); beyond 50, (51)."""
    if 1 <= number <= 20:
        return chr(0x2460 + number - 1)
    if 21 <= number <= 35:
        return chr(0x3251 + number - 21)
    if 36 <= number <= 50:
        return chr(0x32B1 + number - 36)
    return f"({number})"


def _partial_date(text: str, *, end: bool) -> tuple[date, str]:
    """'2011-03-09' is a day; '2011-06' a month (its first or last day, by `end`)."""
    parts = [int(part) for part in text.split("-")]
    if len(parts) == 3:
        return date(*parts), "day"
    year, month = parts
    return date(year, month, calendar.monthrange(year, month)[1] if end else 1), "month"


def date_range_text(held_from: date, held_to: date) -> str:
    """A day or a range of days as the plan prints dates: 令和4年8月10日, 令和4年8月10日～24日."""
    start = to_japanese_era(held_from)
    if held_to == held_from:
        return start
    if held_to.year != held_from.year:
        return f"{start}～{to_japanese_era(held_to)}"
    if held_to.month != held_from.month:
        return f"{start}～{held_to.month}月{held_to.day}日"
    return f"{start}～{held_to.day}日"


def range_label(held_from: date, held_to: date) -> str:
    """The short label of a consultation that is not a numbered meeting: 8月10日～24日."""
    start = f"{held_from.month}月{held_from.day}日"
    if held_to == held_from:
        return start
    if held_to.month == held_from.month and held_to.year == held_from.year:
        return f"{start}～{held_to.day}日"
    return f"{start}～{held_to.month}月{held_to.day}日"


async def current_council(session: AsyncSession) -> Council | None:
    return (await session.execute(select(Council).order_by(Council.id).limit(1))).scalars().first()


async def load_council(session: AsyncSession, plan: dict[str, Any]) -> Council:
    """Put the plan's council, members and printed consultations in the tables (missing rows only).

    Two first readers may load at once: the unique keys stop the second, which then finds the first's rows.
    """
    try:
        return await _load_council(session, plan)
    except IntegrityError:
        await session.rollback()
        return await _load_council(session, plan)


async def _load_council(session: AsyncSession, plan: dict[str, Any]) -> Council:
    source = plan["council"]
    council = (await session.execute(select(Council).where(Council.name == source["name"]))).scalars().first()
    if council is None:
        council = Council(
            name=source["name"], established_on=date.fromisoformat(source["established"]),
            established_text=source.get("established_text"), members_text=source.get("members_text"),
            members_list_title=source.get("members_list_title"), members_note=source.get("members_note"),
            members_as_of=source.get("members_as_of"))
        session.add(council)
        await session.flush()
    have_members = set((await session.execute(
        select(CouncilMember.position).where(CouncilMember.council_id == council.id))).scalars())
    for position, member in enumerate(source.get("members", []), start=1):
        if position not in have_members:
            session.add(CouncilMember(council_id=council.id, position=position, category=member["category"],
                                      category_text=member.get("category_text"),
                                      affiliation_and_title=member.get("affiliation_and_title")))
    have_keys = set((await session.execute(
        select(Consultation.key).where(Consultation.council_id == council.id))).scalars())
    for item in source.get("consultations", []):
        key = f"plan:{item['no']}"
        if key in have_keys:
            continue
        held_from, precision = _partial_date(item["date_from"], end=False)
        held_to, _ = _partial_date(item.get("date_to") or item["date_from"], end=True)
        session.add(Consultation(
            council_id=council.id, no=item["no"], key=key, label=item["label"], held_from=held_from,
            held_to=held_to, date_precision=precision, date_text=item["date_text"], method=item["method"],
            method_text=item.get("method_text") or METHOD_TEXT.get(item["method"], item["method"]),
            opinions=list(item.get("opinions", [])), responses=list(item.get("responses", [])), source="plan"))
    await session.commit()
    return council


async def prepare_council(session: AsyncSession, plan: dict[str, Any]) -> Council:
    """Load the plan's council and catch up on decisions recorded before it was there (start-up only)."""
    council = await load_council(session, plan)
    await sync_council_decisions(session)
    return council


async def load_reference_data(database_url: str, plan: dict[str, Any]) -> None:
    """`tokku migrate`'s second step: the plan's council in a database whose schema is up to date."""
    from services.core.platform.db import create_engine, session_factory

    engine = create_engine(database_url)
    try:
        async with session_factory(engine)() as session:
            await prepare_council(session, plan)
    finally:
        await engine.dispose()


async def sync_council_decisions(session: AsyncSession) -> int:
    """Record the workflow's council decisions not yet linked to a consultation; returns how many.

    Two readers syncing at once may race for the same new consultation: the unique keys stop the second,
    which then starts over and finds the first one's rows.
    """
    for _attempt in range(3):
        try:
            return await _sync_once(session)
        except IntegrityError:
            await session.rollback()
    return await _sync_once(session)


async def _sync_once(session: AsyncSession) -> int:
    council = await current_council(session)
    if council is None:
        return 0
    linked = select(ConsultationDecision.decision_id)
    decisions = (await session.execute(
        select(Decision).where(Decision.step == COUNCIL_STEP, Decision.id.not_in(linked))
        .order_by(Decision.decided_at, Decision.id))).scalars().all()
    added = 0
    for decision in decisions:
        payload = decision.payload or {}
        if not payload.get("method") or not payload.get("held_from"):
            continue  # returned without a consultation having been held: nothing to record
        held_from = date.fromisoformat(payload["held_from"])
        held_to = date.fromisoformat(payload.get("held_to") or payload["held_from"])
        method = payload["method"]
        key = f"decision:{method}:{held_from.isoformat()}:{held_to.isoformat()}"
        consultation = (await session.execute(select(Consultation).where(
            Consultation.council_id == council.id, Consultation.key == key))).scalars().first()
        if consultation is None:
            consultation = await _new_consultation(session, council, key, method, held_from, held_to)
        consultation.opinions = _merged(consultation.opinions, payload.get("opinions") or [])
        consultation.responses = _merged(consultation.responses, payload.get("responses") or [])
        consultation.updated_at = utcnow()
        session.add(consultation)
        await session.flush()
        session.add(ConsultationDecision(consultation_id=consultation.id, decision_id=decision.id,
                                         application_id=decision.application_id, outcome=decision.outcome))
        added += 1
    await session.commit()
    return added


async def _new_consultation(session: AsyncSession, council: Council, key: str, method: str, held_from: date,
                            held_to: date) -> Consultation:
    number = (await session.execute(select(func.max(Consultation.no))
                                    .where(Consultation.council_id == council.id))).scalar() or 0
    if method == "meeting":
        meetings = (await session.execute(select(func.count()).select_from(Consultation).where(
            Consultation.council_id == council.id, Consultation.method == "meeting"))).scalar_one()
        label = f"第{meetings + 1}回"
        method_text = f"{label} {METHOD_TEXT['meeting']}"
    else:
        label = range_label(held_from, held_to)
        method_text = METHOD_TEXT.get(method, method)
    consultation = Consultation(council_id=council.id, no=number + 1, key=key, label=label, held_from=held_from,
                                held_to=held_to, date_precision="day",
                                date_text=date_range_text(held_from, held_to), method=method,
                                method_text=method_text, opinions=[], responses=[], source="workflow")
    session.add(consultation)
    await session.flush()
    return consultation


def _merged(existing: list[str], new: list[str]) -> list[str]:
    return list(dict.fromkeys([*existing, *(text for text in new if text and text.strip())]))


async def council_record(session: AsyncSession) -> CouncilRecord | None:
    council = await current_council(session)
    if council is None:
        return None
    members = (await session.execute(select(CouncilMember).where(CouncilMember.council_id == council.id)
                                     .order_by(CouncilMember.position))).scalars().all()
    consultations = (await session.execute(select(Consultation).where(Consultation.council_id == council.id)
                                           .order_by(Consultation.no))).scalars().all()
    links = (await session.execute(select(ConsultationDecision.consultation_id, ConsultationDecision.application_id)
                                   .order_by(ConsultationDecision.id))).all()
    applications: dict[int, list[int]] = {}
    for consultation_id, application_id in links:
        applications.setdefault(consultation_id, []).append(application_id)
    return CouncilRecord(
        name=council.name, established_on=council.established_on, established_text=council.established_text,
        members_text=council.members_text, members_list_title=council.members_list_title,
        members_note=council.members_note,
        members=[CouncilMemberPublic(category=m.category, category_text=m.category_text,
                                     affiliation_and_title=m.affiliation_and_title) for m in members],
        consultations=[ConsultationPublic(
            no=c.no, circled=circled(c.no), label=c.label, date_text=c.date_text, held_from=c.held_from,
            held_to=c.held_to, date_precision=c.date_precision, method=c.method, method_text=c.method_text,
            opinions=list(c.opinions), responses=list(c.responses), source=c.source,
            application_ids=sorted(set(applications.get(c.id, [])))) for c in consultations])

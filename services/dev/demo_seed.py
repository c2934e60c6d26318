"""Demo data for `tokku dev`: accounts for every role and the zone plan's projects as applications.

Accounts (all with password `tokku-demo`) are created only by dev mode. The demo applications are driven
through the real workflow with the same service the API uses, so their statuses and events are genuine.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from stdnum.jp import cn as corporate_number

from services.core.accounts.models import Organization, User
from services.core.accounts.security import hash_password
from services.core.applications.models import Application
from services.core.applications.schemas import ApplicationContent, DecisionRequest
from services.core.applications.service import ApplicationService
from services.core.council.service import load_council
from services.core.measures import tax
from services.core.platform.settings import Settings
from workflows.contracts import Government, Role, Status

DEMO_PASSWORD = "tokku-demo"
# The tax measure's confirmed last date (2026-03-31) is behind us, so demo designations made today need an
# extension. It is a demo's assumption, not the law: `tokku dev` says so when it starts (docs/tax-measure.md).
DEMO_MEASURE_EXTENSION = date(2028, 3, 31)
log = logging.getLogger("tokku.seed")


def with_demo_extension(settings: Settings) -> tuple[Settings, str]:
    """The settings `tokku dev` runs with, and the line it prints about the tax measure's last date."""
    confirmed = tax.default_measure().sunset.last_confirmed
    if settings.measure_extension_until is not None:
        return settings, (f"{settings.measure_extension_until} (TOKKU_MEASURE_EXTENSION_UNTIL; confirmed in force: "
                          f"{confirmed})")
    extended = settings.model_copy(update={"measure_extension_until": DEMO_MEASURE_EXTENSION})
    return extended, (f"{DEMO_MEASURE_EXTENSION} — a DEMO extension set by `tokku dev`, not the law: the last date "
                      f"confirmed in force is {confirmed} (set TOKKU_MEASURE_EXTENSION_UNTIL to change it)")


@dataclass(frozen=True)
class DemoAccount:
    username: str
    display_name: str
    role: Role
    organization: str
    government: Government | None = None


GOVERNMENT_ORGS = {Government.kanagawa: "神奈川県", Government.yokohama: "横浜市", Government.kawasaki: "川崎市"}

# applicant1 and applicant2 belong to two companies of the plan's 別添3 (別紙1-2 4/6).
DEMO_ACCOUNTS = (
    DemoAccount("applicant1", "ペプチドリーム 申請担当", Role.applicant, "ペプチドリーム株式会社"),
    DemoAccount("applicant2", "JSR 申請担当", Role.applicant, "JSR株式会社"),
    DemoAccount("secretariat1", "地域協議会 事務局", Role.secretariat, "ライフイノベーション地域協議会 事務局"),
    DemoAccount("kawasaki1", "川崎市 特区担当", Role.local_official, "川崎市", Government.kawasaki),
    DemoAccount("yokohama1", "横浜市 特区担当", Role.local_official, "横浜市", Government.yokohama),
    DemoAccount("kanagawa1", "神奈川県 特区担当", Role.local_official, "神奈川県", Government.kanagawa),
    DemoAccount("cao1", "内閣府 地方創生推進事務局", Role.national_official, "内閣府"),
    DemoAccount("admin1", "tokku 運用管理者", Role.admin, "tokku 運用"),
    # Two of the plan's designated financial institutions (別紙1-5 item 2): they register subsidised loans.
    DemoAccount("bank1", "横浜銀行 利子補給担当", Role.lender, "株式会社横浜銀行"),
    DemoAccount("bank2", "川崎信用金庫 利子補給担当", Role.lender, "川崎信用金庫"),
)

_ORG_KIND = {Role.applicant: "company", Role.secretariat: "council", Role.local_official: "government",
             Role.national_official: "cabinet_office", Role.admin: "operator", Role.lender: "financial_institution"}


def demo_corporate_number(seed_text: str) -> str:
    """A 13-digit number with a valid check digit, derived from the name (the plan prints none)."""
    base = str(int.from_bytes(seed_text.encode("utf-8"), "big") % 10**12).zfill(12)
    return corporate_number.calc_check_digit(base) + base


async def _organization(session: AsyncSession, name: str, kind: str, government: str | None = None,
                        number: str | None = None) -> Organization:
    found = (await session.execute(select(Organization).where(Organization.name == name))).scalars().first()
    if found:
        return found
    organization = Organization(name=name, kind=kind, government=government, corporate_number=number)
    session.add(organization)
    await session.flush()
    return organization


async def create_demo_accounts(sessions: async_sessionmaker[AsyncSession],
                               password: str = DEMO_PASSWORD) -> dict[str, User]:
    """Create (or find) the demo accounts; safe to run on every start."""
    password_hash = hash_password(password)
    users: dict[str, User] = {}
    async with sessions() as session:
        for account in DEMO_ACCOUNTS:
            kind = _ORG_KIND[account.role]
            number = demo_corporate_number(account.organization) if kind == "company" else None
            organization = await _organization(session, account.organization, kind,
                                               account.government.value if account.government else None, number)
            user = (await session.execute(select(User).where(User.username == account.username))).scalars().first()
            if user is None:
                user = User(username=account.username, password_hash=password_hash,
                            display_name=account.display_name, role=account.role.value,
                            government=account.government.value if account.government else None,
                            organization_id=organization.id, email=f"{account.username}@example.test",
                            is_company_admin=account.role == Role.applicant)  # each demo company's administrator
                session.add(user)
            users[account.username] = user
        await session.commit()
    return users


# --- the plan's projects as demo applications ------------------------------------------------------------

# Where each demo application is left: a spread over the statuses so every inbox has something.
DEMO_TARGETS = (Status.follow_up, Status.designation, Status.national_review, Status.local_filing,
                Status.council_consultation, Status.intake_review, Status.revision_requested, Status.draft)


def _entity(plan: dict[str, Any], name: str) -> dict[str, Any]:
    squeezed = name.replace(" ", "")
    return next((e for e in plan["designated_entities"] if e["name"].replace(" ", "") == squeezed), {})


def plan_applications(plan: dict[str, Any]) -> list[tuple[str, ApplicationContent]]:
    """(company name, content) for each tax-incentive sub-project of the plan with a named recipient."""
    result = []
    for project in plan["specific_projects"]:
        if project["measure"] != "tax_incentive":
            continue
        for sub in project.get("sub_projects") or []:
            recipient = sub.get("recipient")
            entity = _entity(plan, recipient) if recipient else {}
            if not entity:
                continue
            area = sub.get("business_area") or (project.get("business_areas") or [""])[0]
            area = area.split(" ", 1)[-1] if area.startswith("(") else area
            area = area.removesuffix("に所在する事業所内").strip()
            start = sub.get("business_start") or project["schedule"].get("business_start") or "2022-09-01"
            start = start if len(start) == 10 else f"{start[:7]}-01" if len(start) == 7 else f"{start}-04-01"
            undisclosed = [f for f in ("content", "necessity", "equipment_overview") if "非公表" in (sub.get(f) or "")]
            founded = (entity.get("founded") or {}).get("iso")
            content = ApplicationContent.model_validate({
                "measure": "tax_incentive",
                "project_name": sub["name"].replace("<<非公表>>", "").replace("《非公表》", ""),
                "solution": (project.get("solution_refs") or [2])[0],
                "applicant": {
                    "corporate_number": demo_corporate_number(entity["name"]), "name": entity["name"],
                    "postal_code": entity["postal_code"], "address": entity["address"], "phone": entity["phone"],
                    "founded_on": founded if founded and len(founded) == 10 else None,
                    "capital_jpy": entity.get("capital") if isinstance(entity.get("capital"), int) else None,
                    "industry": entity.get("industry") or "医薬品研究開発業",
                    "business_summary": entity.get("business_summary") or sub["name"],
                },
                "content": sub.get("content") or project["content"],
                "rule_clauses": [f"{c['basis']}{c['item']}" for c in project.get("rule_clauses", [])],
                "necessity": sub.get("necessity") or project.get("necessity"),
                "equipment_overview": sub.get("equipment_overview") or project.get("equipment_overview"),
                "implementer": entity["name"],
                "business_area": area,
                "business_start_on": start,
                "acquisition_from": start,
                "equipment_items": [{"asset_class": "machinery", "description": "研究開発用設備一式",
                                     "planned_cost_jpy": 30_000_000,
                                     "planned_acquisition_on": (date.fromisoformat(start) + timedelta(days=200)).isoformat()}],
                "undisclosed_fields": undisclosed,
            })
            result.append((entity["name"], content))
    return result


DECISIONS_TO = {
    Status.intake_review: ("kanagawa1", {"step": "intake_review", "outcome": "accept"}),
    Status.council_consultation: ("secretariat1", {"step": "council_consultation", "outcome": "agree",
                                                   "method": "ict", "held_from": "令和4年8月10日",
                                                   "held_to": "令和4年8月24日",
                                                   "opinions": ["特になし"], "responses": ["—"]}),
    Status.local_filing: ("kanagawa1", {"step": "local_filing", "outcome": "file", "filed_on": "2022-09-05",
                                        "reference": "神奈川県 計画変更申請 R4-2"}),
    Status.national_review: ("cao1", {"step": "national_review", "outcome": "certify",
                                      "certified_on": "2022-09-30", "reference": "府地事 第123号"}),
    Status.designation: ("kanagawa1", {"step": "designation", "outcome": "designate",
                                       "designation_number": "指定第R8-{id}号", "designated_on": "{today}",
                                       "acquisition_from": "{today}", "acquisition_until": "{until}"}),
}


async def seed_demo_applications(service: ApplicationService, sessions: async_sessionmaker[AsyncSession],
                                 plan: dict[str, Any]) -> int:
    """Create the plan's projects as applications once; returns how many were created."""
    async with sessions() as session:
        await load_council(session, plan)  # the council and the 16 consultations of 別添6 (idempotent)
        if (await session.execute(select(func.count()).select_from(Application))).scalar_one() > 0:
            return 0
    users = await create_demo_accounts(sessions)
    created = 0
    for index, (company, content) in enumerate(plan_applications(plan)):
        applicant = await _company_user(sessions, company, users)
        target = DEMO_TARGETS[index % len(DEMO_TARGETS)]
        application, _ = await service.create_draft(applicant, content, idempotency_key=f"seed-{index}")
        created += 1
        if target == Status.draft:
            continue
        await service.submit(applicant, application.id)
        if target == Status.revision_requested:
            await service.decide(users["kanagawa1"], application.id, DecisionRequest.model_validate(
                {"step": "intake_review", "outcome": "return",
                 "reason": "取得予定設備の取得価額の内訳を添付してください"}))
            continue
        for step in (Status.intake_review, Status.council_consultation, Status.local_filing,
                     Status.national_review, Status.designation):
            if step == target:
                break
            official, body = DECISIONS_TO[step]
            # Demo designations are made today, so their follow-up deadlines lie ahead.
            today = date.today()
            values = {"id": application.id, "today": today.isoformat(),
                      "until": min(today + timedelta(days=365), service.settings.measure_last_date).isoformat()}
            body = {k: (v.format(**values) if isinstance(v, str) else v) for k, v in body.items()}
            await service.decide(users[official], application.id, DecisionRequest.model_validate(body))
    log.info("seeded %d demo applications from the zone plan", created)
    return created


async def _company_user(sessions: async_sessionmaker[AsyncSession], company: str, users: dict[str, User]) -> User:
    """The demo applicant of a company: applicant1/2 for theirs, an inactive seed user for the others."""
    for user in users.values():
        async with sessions() as session:
            organization = await session.get(Organization, user.organization_id)
        if organization and organization.name.replace(" ", "") == company.replace(" ", ""):
            return user
    async with sessions() as session:
        organization = await _organization(session, company, "company", None, demo_corporate_number(company))
        username = f"seed-{organization.id}"
        user = (await session.execute(select(User).where(User.username == username))).scalars().first()
        if user is None:
            # No password anyone knows: these companies exist to fill the officials' inboxes.
            user = User(username=username, password_hash="!", display_name=f"{company} (demo)",
                        role=Role.applicant.value, organization_id=organization.id, is_active=False)
            session.add(user)
        await session.commit()
        return user

"""Who may see what is one rule written twice: access.can_see (a predicate, for one application) and
access.visible_clause (SQL, for lists), and the same pair for filing rounds. Rows for every government ×
status × furthest step reached × organisation go into a real database; for every kind of user — every role ×
government × organisation — the clause must select exactly the rows the predicate accepts, so neither can
change alone. The services' lists are checked to read through the same clause.

SQLite (a file of its own) by default; TOKKU_TEST_DATABASE=postgres runs it in a private PostgreSQL schema.
"""

from __future__ import annotations

import itertools
import os
import uuid
from collections import Counter
from types import SimpleNamespace

import pytest
from sqlalchemy import select

from services.core.accounts.models import Organization, User
from services.core.applications import access
from services.core.applications.models import Application, ApplicationStatus
from services.core.applications.service import ApplicationService
from services.core.platform.db import create_engine, session_factory
from services.core.platform.settings import Settings
from services.core.platform.table_registry import metadata
from services.core.rounds.models import CERTIFIED, CERTIFYING, FILED, FILING, OPEN, FilingRound
from services.core.rounds.service import RoundService
from tests.conftest import drop_postgres_schema, postgres_url, reset_postgres_schema
from workflows import rules
from workflows.contracts import Government, Role, Status

GOVERNMENTS = [None, *Government]
RANKS = range(len(rules.PROGRESS_ORDER))  # furthest step reached: draft (0) … follow_up (6)
ROUND_STATES = (OPEN, FILING, FILED, CERTIFYING, CERTIFIED)
ORGANISATIONS = ("company A", "company B")
TABLES = ("organizations", "users", "applications", "application_status", "filing_rounds",
          "filing_round_applications", "filing_round_confirmations")


@pytest.fixture(scope="module")
async def world(tmp_path_factory):
    """Every combination as a row, and every kind of user (unsaved: the rules read only their attributes)."""
    schema = None
    if os.environ.get("TOKKU_TEST_DATABASE") == "postgres":
        schema = f"access_{uuid.uuid4().hex[:12]}"
        await reset_postgres_schema(postgres_url(), schema)
        engine = create_engine(f"{postgres_url()}?options=-csearch_path%3D{schema}")
    else:
        engine = create_engine(f"sqlite+aiosqlite:///{tmp_path_factory.mktemp('access') / 'access.db'}")
    async with engine.begin() as connection:
        await connection.run_sync(metadata.create_all, tables=[metadata.tables[name] for name in TABLES])
    sessions = session_factory(engine)
    async with sessions() as session:
        organisations = [Organization(name=name, kind="company") for name in ORGANISATIONS]
        session.add_all(organisations)
        await session.flush()
        creator = User(username="creator", password_hash="-", display_name="-", role=Role.admin,
                       organization_id=organisations[0].id)
        session.add(creator)
        await session.flush()
        combinations = list(itertools.product(organisations, GOVERNMENTS, Status, RANKS))
        rows = [Application(organization_id=organisation.id, created_by=creator.id, government=government)
                for organisation, government, _, _ in combinations]
        session.add_all(rows)
        await session.flush()
        session.add_all([ApplicationStatus(application_id=row.id, status=status, government=government,
                                           organization_id=organisation.id, furthest_rank=rank,
                                           furthest_step=rules.PROGRESS_ORDER[rank])
                         for row, (organisation, government, status, rank) in zip(rows, combinations, strict=True)])
        for government, state in itertools.product(Government, ROUND_STATES):
            session.add(FilingRound(title=f"{government} {state}", government=government, status=state,
                                    created_by=creator.id))
        await session.commit()
        applications = list((await session.execute(select(ApplicationStatus))).scalars())
        rounds = list((await session.execute(select(FilingRound))).scalars())
    users = [User(username=f"{role}-{government}-{organisation.name}", password_hash="-", display_name="-",
                  role=role, government=government, organization_id=organisation.id)
             for role, government, organisation in itertools.product(Role, GOVERNMENTS, organisations)]
    yield SimpleNamespace(sessions=sessions, applications=applications, rounds=rounds, users=users,
                          organisations=organisations)
    await engine.dispose()
    if schema:
        await drop_postgres_schema(postgres_url(), schema)


async def test_the_world_holds_every_combination(world):
    assert len(world.applications) == len(ORGANISATIONS) * len(GOVERNMENTS) * len(Status) * len(RANKS)
    assert len(world.users) == len(Role) * len(GOVERNMENTS) * len(ORGANISATIONS)


async def test_application_clause_selects_what_the_predicate_accepts(world):
    seen_sets = set()
    async with world.sessions() as session:
        for user in world.users:
            selected = set((await session.execute(
                select(ApplicationStatus.application_id).where(access.visible_clause(user)))).scalars())
            accepted = {row.application_id for row in world.applications if access.can_see(user, row)}
            assert selected == accepted, (user.username, sorted(selected ^ accepted)[:10])
            seen_sets.add(frozenset(accepted))
    # The rules tell users apart (not everything, not nothing for everyone).
    assert len(seen_sets) >= 8


async def test_round_clause_selects_what_the_predicate_accepts(world):
    async with world.sessions() as session:
        for user in world.users:
            selected = set((await session.execute(
                select(FilingRound.id).where(access.round_visible_clause(user)))).scalars())
            accepted = {r.id for r in world.rounds if access.can_see_round(user, r.government, r.status)}
            assert selected == accepted, user.username


async def test_services_list_through_the_same_rule(world):
    """The dashboard's counts and the rounds list select what the predicates accept."""
    applications = ApplicationService(world.sessions, None, Settings())
    rounds = RoundService(world.sessions, applications)
    for user in world.users:
        expected = Counter(row.status for row in world.applications if access.can_see(user, row))
        assert await applications.status_counts(user) == dict(expected), user.username
        if user.role in (Role.local_official, Role.national_official, Role.admin):
            listed = {r.id for r in await rounds.list(user)}
            assert listed == {r.id for r in world.rounds if access.can_see_round(user, r.government, r.status)}


def facts(organisation: int = 1, government: str | None = Government.kawasaki, step: Status = Status.intake_review):
    return SimpleNamespace(organization_id=organisation, government=government,
                           furthest_rank=rules.progress_rank(step))


def person(role: Role, government: Government | None = None, organisation: int = 9) -> User:
    return User(username="x", password_hash="-", display_name="-", role=role, government=government,
                organization_id=organisation)


DOCUMENTED = {  # case: (user, application, sees)
    "applicant sees own draft": (person(Role.applicant, organisation=1), facts(organisation=1, step=Status.draft), True),
    "applicant not another company's": (person(Role.applicant, organisation=2), facts(organisation=1), False),
    "admin sees drafts": (person(Role.admin), facts(step=Status.draft), True),
    "city sees its submitted": (person(Role.local_official, Government.kawasaki), facts(), True),
    "city not a draft": (person(Role.local_official, Government.kawasaki), facts(step=Status.draft), False),
    "city not another city's": (person(Role.local_official, Government.yokohama), facts(), False),
    "prefecture sees every area": (person(Role.local_official, Government.kanagawa),
                                   facts(government=Government.yokohama), True),
    "official without a government": (person(Role.local_official), facts(government=None), False),
    "secretariat not before the council": (person(Role.secretariat), facts(), False),
    "secretariat from the council": (person(Role.secretariat), facts(step=Status.council_consultation), True),
    "cabinet office not before filing": (person(Role.national_official), facts(step=Status.local_filing), False),
    "cabinet office once filed": (person(Role.national_official), facts(step=Status.national_review), True),
}


@pytest.mark.parametrize("case", DOCUMENTED)
def test_the_rules_as_documented(case):
    """The behaviour the authorization matrix relies on, one line each."""
    user, application, sees = DOCUMENTED[case]
    assert access.can_see(user, application) is sees

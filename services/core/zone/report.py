"""`tokku zone-report`: the applications whose area the current zone data would change. Reads only.

An application stores the area its business area was accepted in (`applications.zone_area`) and keeps it;
a change of data/zone-areas.json re-derives nothing. This report is how such a change is reviewed: each
application whose stored area differs from what `match_address` says now — another area, or a refusal — with
its company and both answers, so the secretariat can settle each case with the company.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from typing import TextIO

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from services.core.accounts.models import Organization
from services.core.applications.models import Application, ApplicationStatus
from services.core.platform.db import create_engine, session_factory
from services.core.platform.settings import Settings
from services.core.zone.addresses import area_by_key, match_address, zone_data

BATCH = 500


@dataclass(frozen=True)
class AreaChange:
    application_id: int
    company: str
    status: str | None
    business_area: str
    stored_area: str | None  # key, as stored
    current_area: str | None  # key the address matches now, or None when refused
    refusal: str | None  # the refusal's reason when refused now

    @property
    def new(self) -> str:
        if self.current_area is not None:
            return _label(self.current_area)
        return f"refused: {self.refusal}"


def _label(key: str | None) -> str:
    if key is None:
        return "—"
    area = area_by_key(key)
    return f"{key} {area.name}" if area else f"{key} (not in the current data)"


async def area_changes(session: AsyncSession) -> list[AreaChange]:
    """Every application with a business area whose stored area is not what the current data gives."""
    business_area = Application.content["business_area"].as_string()
    changes: list[AreaChange] = []
    last_id = 0
    while True:
        rows = (await session.execute(
            select(Application.id, Organization.name, ApplicationStatus.status, business_area, Application.zone_area)
            .join(Organization, Organization.id == Application.organization_id)
            .outerjoin(ApplicationStatus, ApplicationStatus.application_id == Application.id)
            .where(Application.id > last_id).order_by(Application.id).limit(BATCH))).all()
        if not rows:
            return changes
        for application_id, company, status, address, stored in rows:
            if not address:
                continue
            result = match_address(address)
            current = result.key if result.ok else None
            if current != stored:
                changes.append(AreaChange(application_id, company, status, address, stored, current,
                                          None if result.ok else result.reason))
        last_id = rows[-1][0]


def write_report(changes: list[AreaChange], out: TextIO) -> None:
    data = zone_data()
    print(f"# zone data version {data.version} (read {data.read_on}): applications whose area would change",
          file=out)
    print("id\tstatus\tcompany\tbusiness_area\told_area\tnew_area", file=out)
    for change in changes:
        print(f"{change.application_id}\t{change.status or '—'}\t{change.company}\t{change.business_area}\t"
              f"{_label(change.stored_area)}\t{change.new}", file=out)
    print(f"# {len(changes)} application(s) would change; nothing was changed (each keeps its stored area)",
          file=out)


async def run_zone_report(settings: Settings, out: TextIO = sys.stdout) -> int:
    engine = create_engine(settings.resolved_database_url)
    try:
        async with session_factory(engine)() as session:
            changes = await area_changes(session)
    finally:
        await engine.dispose()
    write_report(changes, out)
    return 0

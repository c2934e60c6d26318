"""`tokku export KIND --format html|md|csv|xlsx --audience public|internal [--round ID] [--out PATH]`.

Runs on the server against the configured database, as the operator: the internal version shows every
application's undisclosed fields, and each internal export is audited as cli:<os user>.
"""

from __future__ import annotations

import getpass
import sys
from pathlib import Path

from sqlalchemy import select

from services.core.council.service import prepare_council
from services.core.documents.export import ROUND_KINDS, Viewer, export_document
from services.core.platform.db import create_engine, session_factory
from services.core.platform.exceptions import DomainError
from services.core.platform.settings import Settings
from services.core.rounds.models import DROPPED, FilingRound, FilingRoundApplication
from services.core.zone.plan import load_plan


async def run_export(settings: Settings, *, kind: str, fmt: str, audience: str, round_id: int | None,
                     out: Path | None) -> int:
    engine = create_engine(settings.resolved_database_url)
    try:
        async with session_factory(engine)() as session:
            application_ids = None
            if round_id is not None:
                if await session.get(FilingRound, round_id) is None:
                    print(f"tokku export: filing round {round_id} does not exist / ラウンド{round_id}は存在しません",
                          file=sys.stderr)
                    return 2
                if kind not in ROUND_KINDS:
                    print(f"tokku export: --round applies to {', '.join(ROUND_KINDS)}; {kind} covers the whole "
                          "plan", file=sys.stderr)
                application_ids = list((await session.execute(
                    select(FilingRoundApplication.application_id).where(
                        FilingRoundApplication.round_id == round_id, FilingRoundApplication.state != DROPPED)
                    .order_by(FilingRoundApplication.id))).scalars())
            viewer = Viewer(actor=f"cli:{getpass.getuser()}", channel="cli", may_see=lambda _status: True)
            plan = load_plan(settings.seed_plan_path)
            await prepare_council(session, plan)  # a command may write; the export itself only reads
            exported = await export_document(session, plan, kind=kind, fmt=fmt,
                                             audience=audience, viewer=viewer, application_ids=application_ids,
                                             round_id=round_id,
                                             measure_extension_until=settings.measure_extension_until)
    except DomainError as error:
        print(f"tokku export: {error.message} / {error.message_ja}", file=sys.stderr)
        return 2
    finally:
        await engine.dispose()
    path = out or Path(exported.filename)
    if path.is_dir():
        path = path / exported.filename
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(exported.content)
    print(f"wrote {path} ({len(exported.content):,} bytes, {audience})")
    return 0

"""The public register (総合特別区域法 第26条第4項): designations, changes and revocations as JSON, CSV and
an Atom feed. No sign-in: this is what the governments publish; undisclosed fields are already redacted."""

from __future__ import annotations

from fastapi import APIRouter, Response

from services.api.deps import Sessions, SettingsDep
from services.core.register.feeds import register_atom, register_csv
from services.core.register.schemas import RegisterEntry
from services.core.register.service import register_entries

router = APIRouter(tags=["public register"])
PUBLIC_CACHE = {"Cache-Control": "public, max-age=300"}


@router.get("/register", response_model=list[RegisterEntry],
            summary="The public register: every designation, change and revocation, newest first (no sign-in)")
async def get_register(sessions: Sessions) -> list[RegisterEntry]:
    async with sessions() as session:
        return await register_entries(session)


@router.get("/register.csv", summary="The public register as CSV (UTF-8 with BOM; no sign-in)",
            responses={200: {"content": {"text/csv": {}}}})
async def get_register_csv(sessions: Sessions) -> Response:
    async with sessions() as session:
        entries = await register_entries(session)
    return Response(register_csv(entries), media_type="text/csv; charset=utf-8", headers={
        **PUBLIC_CACHE, "Content-Disposition": "attachment; filename=register.csv"})


@router.get("/register.atom", summary="The public register as an Atom feed (RFC 4287; no sign-in)",
            responses={200: {"content": {"application/atom+xml": {}}}})
async def get_register_atom(sessions: Sessions, settings: SettingsDep) -> Response:
    async with sessions() as session:
        entries = await register_entries(session)
    return Response(register_atom(entries, base_url=settings.public_base_url), media_type="application/atom+xml",
                    headers=PUBLIC_CACHE)

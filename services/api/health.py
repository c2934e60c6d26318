"""Probes for operators and load balancers: /healthz (the process answers) and /readyz (it can serve:
database and Temporal reachable). Neither needs a sign-in; neither reveals more than which part is down."""

from __future__ import annotations

import logging

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from services.api.deps import Engine, Temporal
from services.core.platform.readiness import check_all

router = APIRouter(tags=["operations"])
log = logging.getLogger("tokku.health")

_NAMES_JA = {"database": "データベース", "temporal": "ワークフローサービス（Temporal）"}


@router.get("/healthz", summary="The process is up")
async def healthz() -> dict[str, str]:
    return {"status": "ok"}


@router.get("/readyz", summary="Database and Temporal are reachable (200), or which one is not (503)",
            responses={503: {"description": "not ready; `down` names the parts that did not answer"}})
async def readyz(engine: Engine, temporal: Temporal) -> JSONResponse:
    checks = await check_all(engine, temporal)
    down = [check.name for check in checks if not check.ok]
    for check in checks:
        if not check.ok:  # the details (hosts, errors) go to the log, not to an anonymous caller
            log.warning("not ready: %s: %s", check.name, check.error, extra={"check": check.name})
    body = {"status": "ready" if not down else "unavailable", "down": down,
            "checks": {check.name: "ok" if check.ok else "unreachable" for check in checks}}
    if not down:
        return JSONResponse(body)
    body["message"] = f"not ready: {' and '.join(down)} not reachable"
    body["message_ja"] = "利用できません：" + "・".join(_NAMES_JA[name] for name in down) + "に接続できません"
    return JSONResponse(body, status_code=503)

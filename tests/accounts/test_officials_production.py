"""Acceptance 2 of issue 17: in production mode (no demo accounts), `tokku users add` provisions a Yokohama
official; the official sets a password and a TOTP second factor from the invitation and decides a Yokohama
application; a sign-in without the second factor, or with a code already used, is refused."""

from __future__ import annotations

import asyncio
import os
import sys
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime

import httpx
import pyotp
import pytest
import uvicorn
from sqlalchemy import select

from services.api.app import create_app
from services.core.accounts.models import AccountEvent, User
from services.core.platform.db import create_engine, session_factory
from services.core.platform.migrate import upgrade
from services.core.platform.settings import Settings
from services.dev.temporal_dev import free_port
from services.workers.main import build_worker
from tests.accounts.helpers import STRONG_PASSWORD, bearer, new_company, token_of
from tests.conftest import ROOT
from tests.factories import application_body
from tests.mailbox import start_smtp_sink

YOKOHAMA_AREA = "神奈川県横浜市鶴見区末広町1丁目"
SECRET = "production-secret-for-the-accounts-test-" + "x" * 16


@dataclass
class Production:
    url: str
    settings: Settings
    mailbox: object
    sessions: object


@pytest.fixture(scope="module")
async def production(run_dir, temporal_server, temporal_client) -> AsyncIterator[Production]:
    """A production-mode API and worker on a database of their own (no demo accounts), mailing to a sink."""
    database_url = f"sqlite+aiosqlite:///{run_dir / f'production-{uuid.uuid4().hex[:6]}.db'}"
    await asyncio.to_thread(upgrade, database_url)
    smtp_port, port = free_port(), free_port()
    controller, mailbox = start_smtp_sink(smtp_port)
    settings = Settings(mode="production", secret_key=SECRET, var_dir=run_dir, database_url=database_url,
                        temporal_address=temporal_server.address, task_queue=f"tokku-prod-{uuid.uuid4().hex[:8]}",
                        api_port=port, public_base_url=f"http://127.0.0.1:{port}", smtp_host="127.0.0.1",
                        smtp_port=smtp_port, _env_file=None)
    assert settings.second_factor_required
    engine = create_engine(database_url)
    async with build_worker(temporal_client, engine, settings):
        server = uvicorn.Server(uvicorn.Config(create_app(settings), host="127.0.0.1", port=port,
                                               log_level="warning", lifespan="on"))
        task = asyncio.create_task(server.serve())
        while not server.started:
            if task.done():
                task.result()
            await asyncio.sleep(0.02)
        yield Production(f"http://127.0.0.1:{port}", settings, mailbox, session_factory(engine))
        server.should_exit = True
        await task
    await engine.dispose()
    controller.stop()


async def tokku_users(settings: Settings, *args: str) -> tuple[int, str, str]:
    """The real `tokku users …` command in its own process, configured by the environment as in production."""
    env = {**os.environ, "TOKKU_MODE": "production", "TOKKU_SECRET_KEY": SECRET,
           "TOKKU_DATABASE_URL": settings.resolved_database_url, "TOKKU_PUBLIC_BASE_URL": settings.public_base_url,
           "TOKKU_LOG_LEVEL": "WARNING", "PYTHONPATH": str(ROOT)}
    env.pop("TOKKU_SMTP_HOST", None)
    process = await asyncio.create_subprocess_exec(sys.executable, "-m", "services.cli", "users", *args, env=env,
                                                   stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
                                                   cwd=str(ROOT))
    out, err = await process.communicate()
    return process.returncode, out.decode(), err.decode()


def code_at(secret: str, step: int) -> str:
    return pyotp.TOTP(secret).generate_otp(step)


async def test_provisioned_official_with_second_factor_decides(production):
    base, settings = production.url, production.settings
    async with httpx.AsyncClient(timeout=60) as http:
        async with production.sessions() as session:
            assert (await session.execute(select(User))).scalars().all() == []  # no demo accounts here

        official = f"yokohama-{uuid.uuid4().hex[:6]}@city.yokohama.example"
        code, out, err = await tokku_users(settings, "add", "--email", official, "--name", "横浜市 特区担当 山田",
                                           "--role", "local_official", "--government", "yokohama")
        assert code == 0, err
        link = out.strip().splitlines()[-1]
        assert link.startswith(f"{base}/invitations/accept?token="), out
        token = token_of(link)

        info = (await http.post(f"{base}/api/v1/accounts/invitations/lookup", json={"token": token})).json()
        assert info["second_factor"] is True and info["organization"] == "横浜市" and info["role"] == "local_official"
        totp = pyotp.TOTP(info["totp_secret"])
        step = totp.timecode(datetime.now(UTC))
        without = await http.post(f"{base}/api/v1/accounts/invitations/accept",
                                  json={"token": token, "email": official, "password": STRONG_PASSWORD})
        assert without.status_code == 422 and "otp" in without.text  # the second factor is not optional
        accepted = await http.post(f"{base}/api/v1/accounts/invitations/accept", json={
            "token": token, "email": official, "password": STRONG_PASSWORD, "otp": code_at(info["totp_secret"], step)})
        assert accepted.status_code == 200, accepted.text
        recovery = accepted.json()["recovery_codes"]
        assert len(recovery) == 10

        # Signing in: the password alone is refused; a code already used is refused; a fresh one passes.
        sign_in = f"{base}/api/v1/auth/token"
        alone = await http.post(sign_in, data={"username": official, "password": STRONG_PASSWORD})
        assert alone.status_code == 401 and alone.json()["detail"]["code"] == "second_factor_required"
        replayed = await http.post(sign_in, data={"username": official, "password": STRONG_PASSWORD,
                                                  "otp": code_at(info["totp_secret"], step)})
        assert replayed.status_code == 401 and replayed.json()["detail"]["code"] == "second_factor_wrong"
        fresh = await http.post(sign_in, data={"username": official, "password": STRONG_PASSWORD,
                                               "otp": code_at(info["totp_secret"], step + 1)})
        assert fresh.status_code == 200, fresh.text
        by_recovery = await http.post(sign_in, data={"username": official, "password": STRONG_PASSWORD,
                                                     "otp": recovery[0]})
        assert by_recovery.status_code == 200
        again = await http.post(sign_in, data={"username": official, "password": STRONG_PASSWORD,
                                               "otp": recovery[0]})
        assert again.status_code == 401  # each recovery code works once
        official_token = fresh.json()["access_token"]

        # A company of Yokohama signs up (mail verified) and submits; the official decides.
        company = new_company()
        assert (await http.post(f"{base}/api/v1/accounts/signup", json=company)).status_code == 202
        verify = token_of(await production.mailbox.link(company["email"], "/signup/verify"))
        company_token = (await http.post(f"{base}/api/v1/accounts/signup/verify", json={
            "token": verify, "password": STRONG_PASSWORD})).json()["access_token"]
        body = application_body(business_area=YOKOHAMA_AREA, applicant={
            "corporate_number": company["corporate_number"], "name": company["company_name"]})
        created = (await http.post(f"{base}/api/v1/applications", json=body, headers=bearer(company_token))).json()
        submitted = await http.post(f"{base}/api/v1/applications/{created['id']}/submit",
                                    headers=bearer(company_token))
        assert submitted.status_code == 200 and submitted.json()["government"] == "yokohama", submitted.text
        decided = await http.post(f"{base}/api/v1/applications/{created['id']}/decisions",
                                  json={"step": "intake_review", "outcome": "accept"}, headers=bearer(official_token))
        assert decided.status_code == 200, decided.text
        assert decided.json()["status"] == "council_consultation"

        code, out, err = await tokku_users(settings, "list", "--role", "local_official")
        assert code == 0 and official in out and "2fa" in out
        assert (await tokku_users(settings, "disable", official))[0] == 2  # not without --yes
        code, out, err = await tokku_users(settings, "disable", official, "--yes")
        assert code == 0, err
        assert (await http.get(f"{base}/api/v1/auth/me", headers=bearer(official_token))).status_code == 401

    async with production.sessions() as session:
        events = [(e.kind, e.actor.split(" (")[0]) for e in (await session.execute(
            select(AccountEvent).where(AccountEvent.kind.in_(("invited", "second_factor_set", "disabled")))
            .order_by(AccountEvent.id))).scalars()]
    assert events == [("invited", "tokku users"), ("second_factor_set", official), ("disabled", "tokku users")]

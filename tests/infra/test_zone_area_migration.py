"""Existing applications keep their area (issue #12): migration 0007 stores the area the old rules accepted
each business area in, re-deriving nothing; `tokku zone-report` lists those the current data would change
and changes nothing. On SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from services.core.platform.db import sync_url
from services.core.platform.migrate import downgrade, upgrade

ROOT = Path(__file__).resolve().parents[2]

# business area → (area stored by the migration, what the current data says: key or refusal reason)
EXISTING = {
    "神奈川県川崎市川崎区殿町3丁目": ("tonomachi", "tonomachi"),
    "川崎市川崎区鈴木町1丁目": ("tonomachi", "tonomachi"),  # the old "鈴木町区域" is 殿町区域 (docs/zone.md)
    "川崎市川崎区鈴木町2-1": ("tonomachi", "outside_zone"),
    "横浜市西区南幸1-1-1": ("minatomirai", "outside_zone"),  # Yokohama station, taken for MM21 by the regex
    "横浜市金沢区福浦1-1": ("fukuura", "boundary_unconfirmed"),
    "神奈川県横浜市鶴見区末広町1丁目": ("suehiro", "suehiro"),
    "神奈川県川崎市幸区新川崎7番7号 KBIC": ("shinkawasaki", "shinkawasaki"),
    "横浜市西区みなとみらい４丁目": ("minatomirai", "minatomirai"),
}
CHANGED = {"川崎市川崎区鈴木町2-1", "横浜市西区南幸1-1-1", "横浜市金沢区福浦1-1"}


@pytest.fixture(params=["sqlite", "postgresql"])
def empty_database(request, tmp_path) -> str:
    if request.param == "sqlite":
        return f"sqlite+aiosqlite:///{tmp_path / 'zone.db'}"
    return request.getfixturevalue("scratch_postgres")("zone")


def insert_applications(url: str) -> dict[str, int]:
    """Applications as the old code saved them (no zone_area column yet), one per business area, plus one
    without an address."""
    engine = create_engine(sync_url(url))
    ids = {}
    try:
        with engine.begin() as connection:
            org = connection.execute(text(
                "INSERT INTO organizations (name, kind, created_at) VALUES ('既存株式会社', 'company', "
                "CURRENT_TIMESTAMP) RETURNING id")).scalar_one()
            user = connection.execute(text(
                "INSERT INTO users (username, display_name, email, password_hash, role, organization_id, is_active, "
                "created_at) VALUES ('existing', '既存', 'e@example.jp', 'x', 'applicant', :org, true, "
                "CURRENT_TIMESTAMP) RETURNING id"),
                {"org": org}).scalar_one()
            for address in [*EXISTING, None]:
                content = {"project_name": "既存の申請", **({"business_area": address} if address else {})}
                ids[address] = connection.execute(text(
                    "INSERT INTO applications (organization_id, created_by, content, content_version, government, "
                    "created_at, updated_at) VALUES (:org, :user, :content, 1, :government, CURRENT_TIMESTAMP, "
                    "CURRENT_TIMESTAMP) RETURNING id"),
                    {"org": org, "user": user, "content": json.dumps(content, ensure_ascii=False),
                     "government": "kawasaki" if address and "川崎" in address else "yokohama"}).scalar_one()
    finally:
        engine.dispose()
    return ids


def stored_areas(url: str) -> dict[int, tuple[str | None, str | None]]:
    engine = create_engine(sync_url(url))
    try:
        with engine.connect() as connection:
            return {row[0]: (row[1], row[2]) for row in connection.execute(
                text("SELECT id, zone_area, government FROM applications"))}
    finally:
        engine.dispose()


async def test_existing_applications_keep_their_area_and_the_report_lists_changes(empty_database):
    url = empty_database
    await asyncio.to_thread(upgrade, url, "0006_reliability")  # the schema before this change
    ids = insert_applications(url)
    await asyncio.to_thread(upgrade, url)

    before_report = stored_areas(url)
    for address, (old_area, _) in EXISTING.items():
        assert before_report[ids[address]][0] == old_area, address
    assert before_report[ids[None]] == (None, "yokohama")

    env = {**os.environ, "TOKKU_DATABASE_URL": url, "PYTHONPATH": str(ROOT)}
    report = await asyncio.to_thread(subprocess.run, [sys.executable, "-m", "services.cli", "zone-report"],
                                     cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert report.returncode == 0, report.stderr
    lines = [line.split("\t") for line in report.stdout.splitlines() if line and not line.startswith("#")]
    assert lines[0] == ["id", "status", "company", "business_area", "old_area", "new_area"]
    listed = {int(row[0]): row for row in lines[1:]}
    assert set(listed) == {ids[address] for address in CHANGED}
    for address in CHANGED:
        row = listed[ids[address]]
        old_area, now = EXISTING[address]
        assert row[2] == "既存株式会社" and row[3] == address
        assert row[4].startswith(f"{old_area} ") and row[5] == f"refused: {now}"
    assert "3 application(s) would change; nothing was changed" in report.stdout
    assert stored_areas(url) == before_report  # the report writes nothing

    await asyncio.to_thread(downgrade, url, "0006_reliability")
    engine = create_engine(sync_url(url))
    try:
        with engine.connect() as connection:
            columns = list(connection.execute(text("SELECT * FROM applications")).keys())
    finally:
        engine.dispose()
    assert "zone_area" not in columns

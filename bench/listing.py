"""Scenario 4: listing at a small and a large table, side by side.

Each size gets its own database (bulk-loaded applications and status rows spread over every status, both
city governments and the plan's companies) and its own API process; requests alternate between the two,
one at a time, so both sizes see the same noise from the machine and the ratio holds even when the
neighbours are busy. One request at a time: the figure is the query's cost, not queueing.
"""

from __future__ import annotations

import asyncio
import os
import time

from sqlalchemy import text

from bench.content import bulk_insert_applications, company_ids, user_and_org
from bench.measure import percentile
from services.core.platform.db import create_engine, session_factory
from services.core.platform.migrate import upgrade
from services.dev.demo_seed import create_demo_accounts
from workflows.contracts import Status

SPREAD = (Status.intake_review, Status.council_consultation, Status.local_filing, Status.national_review,
          Status.designation, Status.follow_up, Status.revision_requested, Status.completed, Status.withdrawn,
          Status.draft)

# (name, user, path, query, is a target): what a Kawasaki official opens most.
ENDPOINTS = (
    ("applications?status=intake_review", "kawasaki1", "/api/v1/applications", {"status": "intake_review"}, True),
    ("tasks (inbox page of 50)", "kawasaki1", "/api/v1/tasks", {"limit": 50}, True),
    # Reported, not a target: without a page size the inbox answers up to its cap of 1000 rows.
    ("tasks (no limit: up to 1000 rows)", "kawasaki1", "/api/v1/tasks", {}, False),
)


async def _load(stack, size: int) -> tuple[str, dict]:
    """A fresh database with `size` applications; returns its URL and how long loading and settling took."""
    url = await asyncio.to_thread(stack.create_database, f"listing{size}")
    await asyncio.to_thread(upgrade, url)
    engine = create_engine(url)
    sessions = session_factory(engine)
    try:
        await create_demo_accounts(sessions)
        started = time.perf_counter()
        creator, _ = await user_and_org(sessions, "applicant1")
        companies = await company_ids(sessions)
        await bulk_insert_applications(sessions, size, created_by=creator,
                                       organization_for=lambda i: companies[i % len(companies)],
                                       status_for=lambda i: SPREAD[i % len(SPREAD)])
        loaded = time.perf_counter() - started
        await _settle(sessions, stack.database)
    finally:
        await engine.dispose()
    await asyncio.to_thread(os.sync)
    return url, {"load_s": round(loaded, 1), "settle_s": round(time.perf_counter() - started - loaded, 1)}


async def _settle(sessions, database: str) -> None:
    """Let the bulk load land before timing reads (the figure is the query's, not the disk's while it writes
    back hundreds of megabytes). PostgreSQL's autovacuum analyses bulk-loaded tables on its own within a
    minute; run it now so the figure does not depend on when it wakes. SQLite never analyses by itself,
    and we do not either."""
    async with sessions() as session:
        if database == "postgres":
            await session.execute(text("ANALYZE applications"))
            await session.execute(text("ANALYZE application_status"))
            await session.commit()
        else:
            await session.execute(text("PRAGMA wal_checkpoint(TRUNCATE)"))


async def _get(client, headers, path, query) -> tuple[float, int]:
    started = time.perf_counter()
    response = await client.get(path, params=query, headers=headers)
    elapsed = (time.perf_counter() - started) * 1000
    if response.status_code != 200:
        raise RuntimeError(f"{response.status_code}: {response.text[:200]}")
    body = response.json()
    rows = len(body if isinstance(body, list) else body["items"])
    if not rows:
        raise RuntimeError("empty page: the bulk load did not reach this list")
    return elapsed, rows


async def run(stack, sizes: tuple[int, int], requests: int, warmup: int) -> dict:
    results: dict = {"sizes": list(sizes), "requests_per_point": requests, "databases": {}, "endpoints": {}}
    apis = {}
    try:
        for size in sizes:
            url, timings = await _load(stack, size)
            results["databases"][str(size)] = timings
            client = await stack.start_extra_api(f"api-listing-{size}", url)
            apis[size] = (client, {username: await stack.sign_in(username, client)
                                   for username in {endpoint[1] for endpoint in ENDPOINTS}})
        for name, username, path, query, target in ENDPOINTS:
            latencies: dict[int, list[float]] = {size: [] for size in sizes}
            rows: dict[int, int] = {}
            errors: dict[int, list[str]] = {size: [] for size in sizes}
            for index in range(warmup + requests):
                # Alternate, and alternate who goes first, so neither size gets the quieter moments.
                for size in (sizes if index % 2 == 0 else tuple(reversed(sizes))):
                    client, headers = apis[size]
                    try:
                        elapsed, rows[size] = await _get(client, headers[username], path, query)
                    except Exception as error:
                        errors[size].append(f"{type(error).__name__}: {str(error)[:200]}")
                        continue
                    if index >= warmup:
                        latencies[size].append(elapsed)
            entry: dict = {"target": target}
            for size in sizes:
                values = latencies[size]
                entry[str(size)] = {"ok": len(values), "errors": len(errors[size]), "first_errors": errors[size][:3],
                                    "rows_returned": rows.get(size, 0),
                                    "p50_ms": _round(percentile(values, 50)), "p99_ms": _round(percentile(values, 99)),
                                    "max_ms": _round(max(values) if values else None)}
            small, large = (entry[str(size)]["p99_ms"] for size in sizes)
            entry["p99_ratio"] = round(large / small, 2) if small and large else None
            results["endpoints"][name] = entry
    finally:
        for size, (client, _) in apis.items():
            await client.aclose()
            await stack.stop_process(f"api-listing-{size}")
    return results


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 1)

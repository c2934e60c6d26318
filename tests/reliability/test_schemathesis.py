"""Schemathesis against the real running API's OpenAPI schema, signed in as each role (each role once per
suite run: some in the SQLite pass, some in the PostgreSQL pass): every generated request — valid, invalid,
and at the edges of each field — gets no 5xx, and every answer matches the schema. The run is bounded
(examples per operation, a fixed seed) so it stays within a few minutes."""

from __future__ import annotations

import asyncio
import os
import re
import sys
from pathlib import Path

import pytest

# Each role is fuzzed once per suite run, as one of its users: the ones that write most (a company, the
# secretariat, the administrator) and nobody signed in on PostgreSQL, where the database itself can refuse
# what SQLite takes (NUL bytes, lengths, types); a local government, the Cabinet Office and the lender on
# SQLite. The other users of a role differ only in whose objects they may see, which the authorization
# matrix checks request by request (tests/reliability/test_authorization_matrix.py).
# TOKKU_SCHEMATHESIS_ALL_ROLES=1 fuzzes every demo user in one pass.
POSTGRES_ROLES = [None, "applicant1", "secretariat1", "admin1"]
SQLITE_ROLES = ["kawasaki1", "cao1", "bank1"]
OTHER_USERS_OF_THE_SAME_ROLES = ["applicant2", "yokohama1", "kanagawa1"]
if os.environ.get("TOKKU_SCHEMATHESIS_ALL_ROLES") == "1":
    ROLES = POSTGRES_ROLES + SQLITE_ROLES + OTHER_USERS_OF_THE_SAME_ROLES
else:
    ROLES = POSTGRES_ROLES if os.environ.get("TOKKU_TEST_DATABASE") == "postgres" else SQLITE_ROLES
EXAMPLES = int(os.environ.get("TOKKU_SCHEMATHESIS_EXAMPLES", "4"))
CHECKS = "not_a_server_error,response_schema_conformance,content_type_conformance"
ST = Path(sys.executable).parent / "st"


async def run_schemathesis(api_url: str, token: str | None, report: Path) -> tuple[int, str]:
    command = [str(ST), "run", f"{api_url}/openapi.json", "--checks", CHECKS, "--max-examples", str(EXAMPLES),
               "--seed", "20261125", "--phases", "examples,coverage,fuzzing", "--workers", "2",
               "--request-timeout", "30", "--no-shrink", "--continue-on-failure", "--report", "ndjson",
               "--report-ndjson-path", str(report), "--exclude-path", "/readyz",
               # It ends the very token the run signs in with (tests/accounts checks it, and the matrix).
               "--exclude-path", "/api/v1/auth/sign-out-everywhere"]
    if token:
        command += ["--header", f"Authorization: {token}"]
    process = await asyncio.create_subprocess_exec(*command, stdout=asyncio.subprocess.PIPE,
                                                   stderr=asyncio.subprocess.STDOUT,
                                                   env={**os.environ, "NO_COLOR": "1", "SCHEMATHESIS_HOOKS": ""})
    output, _ = await process.communicate()
    return process.returncode, output.decode(errors="replace")


def generated(output: str) -> int:
    """The number of test cases (requests) Schemathesis reports having generated."""
    found = re.search(r"(\d+) generated", output)
    assert found, output[-2000:]
    return int(found.group(1))


@pytest.mark.slow
async def test_no_server_error_and_schema_conformance_for_each_role(api_url, as_user, tmp_path):
    results = {}
    for username in ROLES:
        token = (await as_user(username)).headers["Authorization"] if username else None
        report = tmp_path / f"{username or 'anonymous'}.ndjson"
        code, output = await run_schemathesis(api_url, token, report)
        results[username] = (code, output, report)
        (tmp_path / f"{username or 'anonymous'}.txt").write_text(output, encoding="utf-8")
        failures = output[output.find("FAILURES"):output.find("WARNINGS")] if "FAILURES" in output else output[-4000:]
        assert code == 0, f"Schemathesis as {username or 'nobody signed in'}:\n{failures[:8000]}"
    counts = {name or "anonymous": generated(output) for name, (_, output, _) in results.items()}
    print(f"schemathesis: {sum(counts.values())} requests, no 5xx, schema-conformant: {counts}")
    assert all(count > 100 for count in counts.values()), counts

"""A real OpenID Connect provider for the tests: panva's `oidc-provider` (npm, pinned in tests/oidc/package.json)
on Node, started on loopback. `npm ci` installs it into tests/oidc/node_modules (ignored by git) the first
time; the provider's own development login and consent pages stand in for gBizID's."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import time
from pathlib import Path

import httpx

OIDC_DIR = Path(__file__).resolve().parent / "oidc"


def ensure_installed() -> None:
    if (OIDC_DIR / "node_modules" / "oidc-provider" / "package.json").exists():
        return
    npm = shutil.which("npm")
    assert npm and shutil.which("node"), "Node.js and npm are needed for the OpenID Connect tests"
    subprocess.run([npm, "ci", "--no-audit", "--no-fund", "--loglevel=error"], cwd=OIDC_DIR, check=True,
                   timeout=600)


class OidcProvider:
    def __init__(self, port: int, clients: list[dict], accounts: dict[str, dict], log_file: Path) -> None:
        self.port = port
        self.issuer = f"http://127.0.0.1:{port}"
        self.config = {"port": port, "clients": clients, "accounts": accounts}
        self.log_file = log_file
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        ensure_installed()
        log = self.log_file.open("ab")
        self.process = subprocess.Popen(["node", str(OIDC_DIR / "provider.mjs")], cwd=OIDC_DIR, stdout=log,
                                        stderr=subprocess.STDOUT,
                                        env={**os.environ, "OIDC_CONFIG": json.dumps(self.config)})
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"oidc-provider exited: {self.log_file.read_text(errors='replace')[-2000:]}")
            try:
                if httpx.get(f"{self.issuer}/.well-known/openid-configuration", timeout=1).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.1)
        self.stop()
        raise RuntimeError("oidc-provider did not answer within 30 s")

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()

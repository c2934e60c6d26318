"""`tokku backup` and `tokku restore` for the embedded default: the application database (var/tokku.db) and
Temporal's (var/temporal.db), both SQLite, in one archive with a manifest and SHA-256 checksums.

The copies are taken online with SQLite's backup API: each is one consistent moment of its database while
the service keeps running. The application database is copied first and Temporal's second, so the pair
can only differ by transitions Temporal has and the copy of the read model lacks (repaired by
`tokku reconcile`), never the other way round: a row is written by an activity Temporal scheduled earlier.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import shutil
import sqlite3
import tarfile
import tempfile
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy.engine import make_url

from services.core.platform.settings import Settings
from services.dev.ownership import APPLICATION_DB_NAME, TEMPORAL_DB_NAME, take_var_dir

FORMAT = "tokku-backup/1"
MANIFEST_NAME = "manifest.json"
ROLES = {APPLICATION_DB_NAME: "application database: content, read model, notifications, attachments",
         TEMPORAL_DB_NAME: "Temporal: workflows, their histories, timers and reminders"}


class BackupError(Exception):
    """A backup or restore that was refused or failed; the message says why and what to do."""


def application_db_path(settings: Settings) -> Path:
    url = make_url(settings.resolved_database_url)
    if not url.drivername.startswith("sqlite") or not url.database or url.database == ":memory:":
        raise BackupError("tokku backup and restore cover the embedded default (SQLite under var/); this service "
                          "uses another database: back it up with pg_dump (docs/operations.md)")
    return Path(url.database).resolve()


def sources(settings: Settings) -> dict[str, Path]:
    """The files of the archive, in the order they are copied (see the module's docstring)."""
    return {APPLICATION_DB_NAME: application_db_path(settings),
            TEMPORAL_DB_NAME: settings.var_dir.resolve() / TEMPORAL_DB_NAME}


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as file:
        for chunk in iter(lambda: file.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def online_copy(source: Path, target: Path) -> None:
    """A consistent copy of a live SQLite database (one read transaction), as one self-contained file."""
    with sqlite3.connect(source, timeout=30) as live, sqlite3.connect(target) as copy:
        live.backup(copy)  # all pages in one step: one snapshot, writers carry on (WAL)
        copy.execute("PRAGMA journal_mode=DELETE")  # no -wal file beside it; the servers switch WAL back on
        problem = copy.execute("PRAGMA quick_check").fetchone()[0]
    live.close()
    copy.close()
    if problem != "ok":
        raise BackupError(f"the copy of {source} failed SQLite's check: {problem}")


@dataclass
class BackupResult:
    path: Path
    manifest: dict[str, Any]


def backup(settings: Settings, destination: Path) -> BackupResult:
    """Write the archive to `destination` (a file, or a directory to put a dated file in)."""
    files = sources(settings)
    for path in files.values():
        if not path.exists():
            raise BackupError(f"nothing to back up: {path} does not exist (has `tokku dev` run with this "
                              "TOKKU_VAR_DIR?)")
    created = datetime.now(UTC)
    if destination.is_dir():
        destination = destination / f"tokku-backup-{created:%Y%m%dT%H%M%SZ}.tar.gz"
    destination.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=destination.parent, prefix=".tokku-backup-") as scratch:
        entries = []
        for name, path in files.items():
            copy = Path(scratch) / name
            online_copy(path, copy)
            entries.append({"name": name, "role": ROLES[name], "source": str(path), "bytes": copy.stat().st_size,
                            "sha256": sha256_of(copy), "copied_at": datetime.now(UTC).isoformat()})
        manifest = {"format": FORMAT, "created_at": created.isoformat(), "var_dir": str(settings.var_dir.resolve()),
                    "order": "application database first, then Temporal: reconcile adds what the first lacks",
                    "files": entries}
        partial = Path(scratch) / "archive.tar.gz"
        with tarfile.open(partial, "w:gz") as archive:
            data = json.dumps(manifest, indent=2, ensure_ascii=False).encode()
            info = tarfile.TarInfo(MANIFEST_NAME)
            info.size, info.mtime = len(data), int(created.timestamp())
            archive.addfile(info, io.BytesIO(data))
            for entry in entries:
                archive.add(Path(scratch) / entry["name"], arcname=entry["name"])
        os.replace(partial, destination)  # a finished archive or none: never half a file under its name
    return BackupResult(path=destination, manifest=manifest)


def read_archive(source: Path, into: Path) -> dict[str, Any]:
    """Unpack the manifest's files into `into` and check each against its checksum; return the manifest."""
    if not source.is_file():
        raise BackupError(f"no backup at {source}")
    try:
        with tarfile.open(source, "r:*") as archive:
            manifest_file = archive.extractfile(MANIFEST_NAME)
            manifest = json.loads(manifest_file.read()) if manifest_file else {}
            if manifest.get("format") != FORMAT:
                raise BackupError(f"{source} is not a tokku backup ({FORMAT}): its manifest says "
                                  f"{manifest.get('format')!r}")
            names = {entry["name"] for entry in manifest["files"]}
            if names != set(ROLES):
                raise BackupError(f"{source} holds {sorted(names)}, expected {sorted(ROLES)}")
            for entry in manifest["files"]:
                member = archive.extractfile(entry["name"])  # by the manifest's names only: no paths from the tar
                if member is None:
                    raise BackupError(f"{source} lacks {entry['name']}, which its manifest lists")
                with open(into / entry["name"], "wb") as target:
                    shutil.copyfileobj(member, target, 1 << 20)
    except (tarfile.TarError, KeyError, ValueError, OSError) as error:
        raise BackupError(f"cannot read {source} as a tokku backup: {error}") from None
    for entry in manifest["files"]:
        actual = sha256_of(into / entry["name"])
        if actual != entry["sha256"]:
            raise BackupError(f"{entry['name']} in {source} does not match its checksum (sha256 {actual}, "
                              f"manifest {entry['sha256']}): the archive is damaged; nothing was restored")
    return manifest


@dataclass
class RestoreResult:
    manifest: dict[str, Any]
    notes: list[str]
    set_aside: Path | None


def restore(settings: Settings, source: Path) -> RestoreResult:
    """Replace var/'s databases with the archive's, holding var/'s lock (refused while `tokku dev` runs)."""
    var_dir = settings.var_dir.resolve()
    targets = sources(settings)
    owner = take_var_dir(var_dir, "restore")  # raises VarDirInUse, naming the running owner's pid
    try:
        notes = owner.take_over_notes()
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
        with tempfile.TemporaryDirectory(dir=var_dir, prefix=".tokku-restore-") as scratch:
            manifest = read_archive(source, Path(scratch))
            # Keep what was there (with its -wal/-shm, which belong to it), rather than delete it.
            set_aside = var_dir / f"replaced-by-restore-{stamp}"
            moved = False
            for name, target in targets.items():
                for path in (target, Path(f"{target}-wal"), Path(f"{target}-shm"), Path(f"{target}-journal")):
                    if path.exists():
                        set_aside.mkdir(exist_ok=True)
                        shutil.move(path, set_aside / path.name)
                        moved = True
                target.parent.mkdir(parents=True, exist_ok=True)
                shutil.move(Path(scratch) / name, target)  # the application database may live outside var/
        return RestoreResult(manifest=manifest, notes=notes, set_aside=set_aside if moved else None)
    finally:
        owner.release()

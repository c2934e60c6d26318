"""The `tokku` command: `dev` runs everything on one machine; `api`, `worker` and `migrate` run parts;
`export` writes the plan's documents and `zone-report` lists applications a change of the area data affects."""

from __future__ import annotations

import argparse
import asyncio
import logging
import signal
import socket
import sys
from pathlib import Path

import uvicorn

from services.core.documents import AUDIENCE_NAMES, FORMAT_NAMES, KIND_NAMES
from services.core.platform.logging import configure_logging, logging_config
from services.core.platform.settings import Settings, get_settings
from services.dev.ownership import TEMPORAL_DB_NAME, VarDirInUse, VarDirOwner, take_var_dir

log = logging.getLogger("tokku")


def _port_free(host: str, port: int) -> bool:
    with socket.socket() as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host, port))
            return True
        except OSError:
            return False


def _check_ports(settings: Settings) -> None:
    wanted = {"TOKKU_API_PORT": settings.api_port, "TOKKU_TEMPORAL_PORT": settings.temporal_port,
              "TOKKU_TEMPORAL_UI_PORT": settings.temporal_ui_port}
    if not settings.smtp_host:
        wanted["TOKKU_MAIL_SINK_PORT"] = settings.mail_sink_port
    busy = [f"{port} ({name})" for name, port in wanted.items() if not _port_free("127.0.0.1", port)]
    if busy:
        sys.exit(f"tokku dev: port(s) already in use: {', '.join(busy)}. Is another `tokku dev` running? "
                 f"Stop it, or choose other ports with the environment variables named.")


async def run_dev(settings: Settings) -> None:
    """Everything on one machine, owning var/ (a second `tokku dev` on it is refused) until it stops."""
    if settings.mode != "dev":
        sys.exit("tokku dev runs only with TOKKU_MODE=dev (it creates demo accounts with a known password)")
    var_dir = settings.var_dir.resolve()
    try:
        owner = take_var_dir(var_dir, "dev")
    except VarDirInUse as error:
        sys.exit(f"tokku dev: {error}")
    try:
        for note in owner.take_over_notes():
            print(f"tokku dev: {note}", flush=True)
        _check_ports(settings)
        await _run_dev_owning(settings, var_dir, owner)
    finally:
        owner.release()


async def _run_dev_owning(settings: Settings, var_dir: Path, owner: VarDirOwner) -> None:
    from services.api.app import KEEP_ALIVE_SECONDS, create_app
    from services.core.applications.service import ApplicationService
    from services.core.platform.db import create_engine, session_factory
    from services.core.platform.migrate import upgrade
    from services.core.platform.temporal_client import connect
    from services.core.zone.plan import load_plan
    from services.dev.demo_seed import (
        DEMO_ACCOUNTS,
        DEMO_PASSWORD,
        create_demo_accounts,
        seed_demo_applications,
        with_demo_extension,
    )
    from services.dev.mail_sink import start_mail_sink
    from services.dev.temporal_dev import DevServer
    from services.workers.main import build_worker, sweep_pending_starts_until

    settings, measure_note = with_demo_extension(settings)
    print(f"tax measure last date: {measure_note}", flush=True)
    # The embedded server is the one every part talks to, whatever TOKKU_TEMPORAL_ADDRESS says.
    settings = settings.model_copy(update={"temporal_address": f"127.0.0.1:{settings.temporal_port}"})
    server = DevServer(db_file=var_dir / TEMPORAL_DB_NAME, port=settings.temporal_port,
                       ui_port=settings.temporal_ui_port, log_file=var_dir / "temporal.log")
    print(f"starting Temporal dev server on {server.address} (state in {server.db_file}) …", flush=True)
    try:
        await server.start()
    except RuntimeError as error:
        sys.exit(f"tokku dev: the Temporal dev server did not start: {error}")
    owner.record(temporal_pid=server.process.pid, temporal_port=settings.temporal_port,
                 api_port=settings.api_port)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    # A closed terminal (SIGHUP) stops everything in order, like Ctrl-C and SIGTERM.
    for signum in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        loop.add_signal_handler(signum, stop.set)
    engine = None
    mail_sink = None
    try:
        if settings.smtp_host:
            mail_note = f"sent through {settings.smtp_host}:{settings.smtp_port}"
        else:
            # No relay configured: mail goes to a local sink that writes each message to var/mail/.
            mail_sink = start_mail_sink(var_dir / "mail", settings.mail_sink_port)
            settings = settings.model_copy(update={"smtp_host": "127.0.0.1", "smtp_port": settings.mail_sink_port})
            mail_note = f"written to {var_dir / 'mail'} (local SMTP sink on 127.0.0.1:{settings.mail_sink_port})"
        await asyncio.to_thread(upgrade, settings.resolved_database_url)
        engine = create_engine(settings.resolved_database_url)
        sessions = session_factory(engine)
        await create_demo_accounts(sessions)
        client = await connect(settings)
        async with build_worker(client, engine, settings):
            # Submissions recorded while a start did not happen (a crash between the two) are started here.
            sweeping = asyncio.create_task(sweep_pending_starts_until(sessions, client, settings, stop))
            api = uvicorn.Server(uvicorn.Config(create_app(settings), host=settings.api_host, port=settings.api_port,
                                                log_level="warning", timeout_keep_alive=KEEP_ALIVE_SECONDS))
            api.install_signal_handlers = lambda: None  # our handlers above stop everything in order
            api_task = asyncio.create_task(api.serve())
            service = ApplicationService(sessions, client, settings)
            created = await seed_demo_applications(service, sessions, load_plan(settings.seed_plan_path))
            while not api.started and not api_task.done():
                await asyncio.sleep(0.05)
            if api_task.done():
                api_task.result()
            base = f"http://{settings.api_host}:{settings.api_port}"
            accounts = ", ".join(a.username for a in DEMO_ACCOUNTS)
            print("\n".join([
                "",
                "tokku is running (Ctrl-C stops everything):",
                f"  API and pages   {base}/",
                f"  OpenAPI docs    {base}/docs",
                f"  Temporal UI     http://127.0.0.1:{settings.temporal_ui_port}/",
                f"  data            {var_dir} (kept between runs)",
                f"  mail            {mail_note}",
                f"  demo accounts   {accounts} — password {DEMO_PASSWORD}",
                f"  company sign-up {base}/signup (the verification mail goes to the mail folder above)",
                f"  tax measure     last date {measure_note}",
                f"  demo data       {'loaded ' + str(created) + ' applications from the zone plan' if created else 'already loaded'}",
                "",
            ]), flush=True)
            await stop.wait()
            print("stopping …", flush=True)
            api.should_exit = True
            await api_task
            await sweeping
    finally:
        if engine is not None:
            await engine.dispose()
        if mail_sink is not None:
            mail_sink.stop()
        server.stop()
        print("stopped.", flush=True)


def run_restore(settings: Settings, path: Path) -> None:
    from services.dev.backup import BackupError, restore

    try:
        result = restore(settings, path)
    except VarDirInUse as error:
        sys.exit(f"tokku restore: refused: {error}")
    except BackupError as error:
        sys.exit(f"tokku restore: {error}")
    for note in result.notes:
        print(f"tokku restore: {note}")
    for entry in result.manifest["files"]:
        print(f"restored {entry['name']} (checksum verified) from the backup of {result.manifest['created_at']}")
    if result.set_aside is not None:
        print(f"the databases it replaced are kept in {result.set_aside}")
    print("next: start `tokku dev`, then run `tokku reconcile` to bring the read model in line with the workflows")


async def run_reconcile(settings: Settings, *, dry_run: bool, only: list[int] | None = None) -> int:
    """Reconcile and print what changed; 0 when everything agrees or was repaired, 1 when something needs you."""
    import services.core.platform.table_registry  # noqa: F401 - every table, for the foreign keys between domains
    from services.core.applications.reconcile import reconcile
    from services.core.platform.db import create_engine, session_factory
    from services.core.platform.temporal_client import connect

    if settings.mode == "dev" and "temporal_address" not in settings.model_fields_set:
        # Like `tokku dev`: its embedded server listens on TOKKU_TEMPORAL_PORT.
        settings = settings.model_copy(update={"temporal_address": f"127.0.0.1:{settings.temporal_port}"})
    engine = create_engine(settings.resolved_database_url)
    try:
        client = await connect(settings)
        report = await reconcile(session_factory(engine), client, dry_run=dry_run, only=only,
                                 task_queue=settings.task_queue)
    finally:
        await engine.dispose()
    for line in report.lines(dry_run=dry_run):
        print(line, flush=True)
    return 1 if report.needs_attention else 0


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="tokku", description="特区指定申請 — designation applications")
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("dev", help="run Temporal, database, worker, API and demo data on this machine")
    commands.add_parser("api", help="run the API (uvicorn) against the configured Temporal and database")
    commands.add_parser("worker", help="run a worker against the configured Temporal and database")
    commands.add_parser("migrate", help="wait for the database, then upgrade its schema to the latest migration")
    commands.add_parser("check", help="exit 0 if the database and Temporal answer, 1 otherwise (health checks)")
    commands.add_parser("zone-report", help="list applications whose zone area the current area data would change "
                                            "(id, company, old area, new area or refusal); changes nothing")
    export = commands.add_parser("export", help="write a document of the plan: 別添3 (betten3), 別紙1-2/1-5 "
                                               "(besshi), 別添6 (betten6) or the targets (targets)")
    export.add_argument("kind", choices=KIND_NAMES)
    export.add_argument("--format", dest="fmt", choices=FORMAT_NAMES, default="html")
    export.add_argument("--audience", choices=AUDIENCE_NAMES, default="public",
                        help="internal shows undisclosed fields and is audited")
    export.add_argument("--round", dest="round_id", type=int, help="only the applications of this filing round")
    export.add_argument("--out", type=Path, help="file or directory to write (default: ./KIND-AUDIENCE.FORMAT)")
    backup = commands.add_parser("backup", help="copy the embedded default's databases (application and Temporal, "
                                                "SQLite under var/) into one archive, while the service runs")
    backup.add_argument("path", type=Path, help="archive file to write, or a directory to put a dated one in")
    restore = commands.add_parser("restore", help="replace var/'s databases with a backup's (refused while "
                                                  "`tokku dev` runs on it); then run `tokku reconcile`")
    restore.add_argument("path", type=Path, help="archive written by `tokku backup`")
    reconcile = commands.add_parser("reconcile", help="compare every application's read model with its workflow "
                                                      "and repair the read model; prints what it changed")
    reconcile.add_argument("--dry-run", action="store_true", help="print what would change, change nothing")
    reconcile.add_argument("--application", dest="application_ids", type=int, action="append", metavar="ID",
                           help="only this application (repeat for more)")
    users = commands.add_parser("users", help="provision officials (invitation links), list or disable users")
    user_commands = users.add_subparsers(dest="action", required=True)
    add = user_commands.add_parser("add", help="provision an official: prints the invitation link (mailed if SMTP)")
    add.add_argument("--email", required=True)
    add.add_argument("--name", required=True, help="the name colleagues see")
    add.add_argument("--role", required=True, choices=["local_official", "secretariat", "national_official", "admin"])
    add.add_argument("--government", choices=["kanagawa", "yokohama", "kawasaki"], help="for local officials")
    listing = user_commands.add_parser("list", help="every user: username, role, government, organisation, state")
    listing.add_argument("--role")
    reinvite = user_commands.add_parser("reinvite", help="lost password or authenticator: remove both, end every "
                                        "session, print a new invitation link")
    reinvite.add_argument("username")
    reinvite.add_argument("--yes", action="store_true", help="confirm")
    disable = user_commands.add_parser("disable", help="disable a user: every session and token ends at once")
    disable.add_argument("username")
    disable.add_argument("--yes", action="store_true", help="confirm")
    disable_company = user_commands.add_parser("disable-company", help="disable a company by its corporate number")
    disable_company.add_argument("corporate_number")
    disable_company.add_argument("--yes", action="store_true", help="confirm")
    args = parser.parse_args(argv)
    settings = get_settings()
    configure_logging(settings.log_level, settings.resolved_log_format)
    if args.command == "dev":
        asyncio.run(run_dev(settings))
    elif args.command == "api":
        # An import string, so uvicorn can run TOKKU_API_WORKERS processes; each builds the app from the
        # environment. On SIGTERM, requests in flight get TOKKU_SHUTDOWN_GRACE_SECONDS to finish.
        from services.api.app import KEEP_ALIVE_SECONDS

        uvicorn.run("services.api.app:create_app", factory=True, host=settings.api_host, port=settings.api_port,
                    workers=settings.api_workers, timeout_graceful_shutdown=round(settings.shutdown_grace_seconds),
                    timeout_keep_alive=KEEP_ALIVE_SECONDS,
                    log_config=logging_config(settings.log_level, settings.resolved_log_format),
                    access_log=False)  # the API logs each request itself, with its request id
    elif args.command == "worker":
        from services.workers.main import run_until_stopped

        run_until_stopped(settings)
    elif args.command == "migrate":
        from services.core.platform.migrate import upgrade, wait_for_database

        wait_for_database(settings.resolved_database_url, settings.database_wait_seconds)
        upgrade(settings.resolved_database_url)
        log.info("database schema is up to date")
        from services.core.council.service import load_reference_data
        from services.core.zone.plan import load_plan

        asyncio.run(load_reference_data(settings.resolved_database_url, load_plan(settings.seed_plan_path)))
        log.info("the plan's reference data (the regional council) is loaded")
    elif args.command == "export":
        from services.core.documents.cli import run_export

        sys.exit(asyncio.run(run_export(settings, kind=args.kind, fmt=args.fmt, audience=args.audience,
                                        round_id=args.round_id, out=args.out)))
    elif args.command == "zone-report":
        from services.core.zone.report import run_zone_report

        sys.exit(asyncio.run(run_zone_report(settings)))
    elif args.command == "users":
        from services.core.accounts.cli import run_users

        options = {k: v for k, v in vars(args).items() if k not in ("command", "action")}
        sys.exit(asyncio.run(run_users(settings, action=args.action, **options)))
    elif args.command == "check":
        from services.core.platform.readiness import check_configured
        from services.core.platform.temporal_client import exit_process

        checks = asyncio.run(check_configured(settings))
        for check in checks:
            print(f"{check.name}: {'ok' if check.ok else check.error}")
        exit_process(0 if all(check.ok for check in checks) else 1)
    elif args.command == "backup":
        from services.dev.backup import BackupError, backup

        try:
            result = backup(settings, args.path)
        except BackupError as error:
            sys.exit(f"tokku backup: {error}")
        for entry in result.manifest["files"]:
            print(f"copied {entry['source']} ({entry['bytes']} bytes, sha256 {entry['sha256'][:16]}…)")
        print(f"backup written to {result.path}")
    elif args.command == "restore":
        run_restore(settings, args.path)
    elif args.command == "reconcile":
        from services.core.platform.temporal_client import exit_process

        exit_process(asyncio.run(run_reconcile(settings, dry_run=args.dry_run, only=args.application_ids)))


if __name__ == "__main__":
    main()

"""The `tokku` command: `dev` runs everything on one machine; `api`, `worker` and `migrate` run parts."""

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
from services.core.logging import configure_logging, logging_config
from services.core.settings import Settings, get_settings

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
    from services.api.app import create_app
    from services.core.applications import ApplicationService
    from services.core.db import create_engine, session_factory
    from services.core.mail_sink import start_mail_sink
    from services.core.migrate import upgrade
    from services.core.seed import DEMO_ACCOUNTS, DEMO_PASSWORD, create_demo_accounts, load_plan, seed_demo_applications
    from services.core.temporal import connect
    from services.core.temporal_dev import DevServer
    from services.workers.main import build_worker

    if settings.mode != "dev":
        sys.exit("tokku dev runs only with TOKKU_MODE=dev (it creates demo accounts with a known password)")
    _check_ports(settings)
    # The embedded server is the one every part talks to, whatever TOKKU_TEMPORAL_ADDRESS says.
    settings = settings.model_copy(update={"temporal_address": f"127.0.0.1:{settings.temporal_port}"})
    var_dir = settings.var_dir.resolve()
    var_dir.mkdir(parents=True, exist_ok=True)
    mail_sink = None
    if settings.smtp_host:
        mail_note = f"sent through {settings.smtp_host}:{settings.smtp_port}"
    else:
        # No relay configured: mail goes to a local sink that writes each message to var/mail/.
        mail_sink = start_mail_sink(var_dir / "mail", settings.mail_sink_port)
        settings = settings.model_copy(update={"smtp_host": "127.0.0.1", "smtp_port": settings.mail_sink_port})
        mail_note = f"written to {var_dir / 'mail'} (local SMTP sink on 127.0.0.1:{settings.mail_sink_port})"
    server = DevServer(db_file=var_dir / "temporal.db", port=settings.temporal_port,
                       ui_port=settings.temporal_ui_port, log_file=var_dir / "temporal.log")
    print(f"starting Temporal dev server on {server.address} (state in {server.db_file}) …", flush=True)
    await server.start()
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    engine = None
    try:
        await asyncio.to_thread(upgrade, settings.resolved_database_url)
        engine = create_engine(settings.resolved_database_url)
        sessions = session_factory(engine)
        await create_demo_accounts(sessions)
        client = await connect(settings)
        async with build_worker(client, engine, settings):
            api = uvicorn.Server(uvicorn.Config(create_app(settings), host=settings.api_host, port=settings.api_port,
                                                log_level="warning"))
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
                f"  demo data       {'loaded ' + str(created) + ' applications from the zone plan' if created else 'already loaded'}",
                "",
            ]), flush=True)
            await stop.wait()
            print("stopping …", flush=True)
            api.should_exit = True
            await api_task
    finally:
        if engine is not None:
            await engine.dispose()
        if mail_sink is not None:
            mail_sink.stop()
        server.stop()
        print("stopped.", flush=True)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="tokku", description="特区指定申請 — designation applications")
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("dev", help="run Temporal, database, worker, API and demo data on this machine")
    commands.add_parser("api", help="run the API (uvicorn) against the configured Temporal and database")
    commands.add_parser("worker", help="run a worker against the configured Temporal and database")
    commands.add_parser("migrate", help="wait for the database, then upgrade its schema to the latest migration")
    commands.add_parser("check", help="exit 0 if the database and Temporal answer, 1 otherwise (health checks)")
    export = commands.add_parser("export", help="write a document of the plan: 別添3 (betten3), 別紙1-2/1-5 "
                                               "(besshi), 別添6 (betten6) or the targets (targets)")
    export.add_argument("kind", choices=KIND_NAMES)
    export.add_argument("--format", dest="fmt", choices=FORMAT_NAMES, default="html")
    export.add_argument("--audience", choices=AUDIENCE_NAMES, default="public",
                        help="internal shows undisclosed fields and is audited")
    export.add_argument("--round", dest="round_id", type=int, help="only the applications of this filing round")
    export.add_argument("--out", type=Path, help="file or directory to write (default: ./KIND-AUDIENCE.FORMAT)")
    args = parser.parse_args(argv)
    settings = get_settings()
    configure_logging(settings.log_level, settings.resolved_log_format)
    if args.command == "dev":
        asyncio.run(run_dev(settings))
    elif args.command == "api":
        # An import string, so uvicorn can run TOKKU_API_WORKERS processes; each builds the app from the
        # environment. On SIGTERM, requests in flight get TOKKU_SHUTDOWN_GRACE_SECONDS to finish.
        uvicorn.run("services.api.app:create_app", factory=True, host=settings.api_host, port=settings.api_port,
                    workers=settings.api_workers, timeout_graceful_shutdown=round(settings.shutdown_grace_seconds),
                    log_config=logging_config(settings.log_level, settings.resolved_log_format),
                    access_log=False)  # the API logs each request itself, with its request id
    elif args.command == "worker":
        from services.workers.main import run_until_stopped

        run_until_stopped(settings)
    elif args.command == "migrate":
        from services.core.migrate import upgrade, wait_for_database

        wait_for_database(settings.resolved_database_url, settings.database_wait_seconds)
        upgrade(settings.resolved_database_url)
        log.info("database schema is up to date")
    elif args.command == "export":
        from services.core.documents.cli import run_export

        sys.exit(asyncio.run(run_export(settings, kind=args.kind, fmt=args.fmt, audience=args.audience,
                                        round_id=args.round_id, out=args.out)))
    elif args.command == "check":
        from services.core.readiness import check_configured
        from services.core.temporal import exit_process

        checks = asyncio.run(check_configured(settings))
        for check in checks:
            print(f"{check.name}: {'ok' if check.ok else check.error}")
        exit_process(0 if all(check.ok for check in checks) else 1)


if __name__ == "__main__":
    main()

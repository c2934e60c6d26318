"""Each capability has one home (issue 11):

- the API builds every service in services/api/deps.py, and only app.py's lifespan and deps.py touch
  app.state; routers and pages ask for services as dependencies;
- notifications are read by services/core/notifications/service.py and composed and mailed by its mail.py
  and mailer.py; the worker keeps only its activity classes; the calendar feed is follow_up/calendar.py.
"""

from __future__ import annotations

import ast
from pathlib import Path

from services.core.follow_up.service import FollowUpService

ROOT = Path(__file__).resolve().parents[2]
API = ROOT / "services" / "api"
STATE_HOLDERS = {"services/api/app.py", "services/api/deps.py"}
SERVICE_BUILDER = "services/api/deps.py"


def api_modules() -> dict[str, ast.Module]:
    return {str(path.relative_to(ROOT)): ast.parse(path.read_text(encoding="utf-8")) for path in API.rglob("*.py")}


def test_only_the_lifespan_and_deps_touch_app_state():
    touching = set()
    for name, tree in api_modules().items():
        for node in ast.walk(tree):
            if isinstance(node, ast.Attribute) and node.attr == "state" and ast.unparse(node.value).endswith("app"):
                touching.add(name)  # app.state, request.app.state
    assert touching == STATE_HOLDERS


def test_services_are_built_only_in_deps():
    built = {}
    for name, tree in api_modules().items():
        for node in ast.walk(tree):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and \
                    node.func.id.endswith(("Service", "Throttle")):
                built.setdefault(name, set()).add(node.func.id)
    assert set(built) == {SERVICE_BUILDER}, built
    assert built[SERVICE_BUILDER] >= {"ApplicationService", "FollowUpService", "RoundService", "AttachmentService",
                                      "NotificationService", "CalendarService", "LoginThrottle"}


def test_follow_up_keeps_no_notifications_or_calendar():
    for moved in ("notifications", "mark_read", "_notification", "calendar_token", "calendar_feed"):
        assert not hasattr(FollowUpService, moved), moved


def test_the_worker_keeps_only_its_activities():
    workers = ROOT / "services" / "workers"
    assert not (workers / "mailer.py").exists()
    tree = ast.parse((workers / "notifications.py").read_text(encoding="utf-8"))
    functions = [node.name for node in tree.body if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)]
    assert functions == []
    assert [node.name for node in tree.body if isinstance(node, ast.ClassDef)] == ["NotificationActivities"]

"""The import arrows of docs/architecture.md, checked on the source:

- `workflows` imports only the standard library, temporalio and pydantic;
- `services.core` (the domain packages and platform) imports neither FastAPI nor the API, the workers or the
  dev tools; `services.api` and `services.workers` never import each other;
- each domain package of `services.core` has the files a newcomer looks for.
"""

from __future__ import annotations

import ast
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
WORKFLOW_ALLOWED = ("workflows", "temporalio", "pydantic", "__future__")
DOMAIN_PACKAGES = ("accounts", "applications", "council", "documents", "evaluation", "follow_up", "loans",
                   "measures", "notifications", "plan_changes", "platform", "register", "rounds", "zone")


def imports_of(package: str, root: Path = ROOT) -> dict[str, set[str]]:
    found: dict[str, set[str]] = {}
    for path in (root / package.replace(".", "/")).rglob("*.py"):
        modules: set[str] = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                modules |= {alias.name for alias in node.names}
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                modules.add(node.module)
        found[str(path.relative_to(root))] = modules
    return found


def test_workflows_import_only_stdlib_temporalio_pydantic():
    for path, modules in imports_of("workflows").items():
        for module in modules:
            top = module.split(".")[0]
            assert top in WORKFLOW_ALLOWED or top in sys.stdlib_module_names, f"{path} imports {module}"


def test_api_and_workers_do_not_import_each_other():
    for path, modules in imports_of("services.api").items():
        assert not [m for m in modules if m.startswith("services.workers")], path
    for path, modules in imports_of("services.workers").items():
        assert not [m for m in modules if m.startswith("services.api")], path


def test_core_imports_no_web_framework_api_workers_or_dev_tools():
    forbidden = ("fastapi", "starlette", "services.api", "services.workers", "services.dev", "services.cli")
    for path, modules in imports_of("services.core").items():
        wrong = [m for m in modules if m.startswith(forbidden)]
        assert not wrong, f"{path} imports {wrong}"


def test_core_is_domain_packages_only():
    """No flat modules again: every capability lives in its package (see docs/architecture.md)."""
    core = ROOT / "services" / "core"
    loose = sorted(p.name for p in core.glob("*.py") if p.name != "__init__.py")
    assert loose == [], f"modules outside a domain package: {loose}"
    packages = sorted(p.name for p in core.iterdir() if (p / "__init__.py").exists())
    assert packages == sorted(DOMAIN_PACKAGES)


def test_checker_sees_a_forbidden_import(tmp_path):
    """The checker itself bites: a core module importing the API is found."""
    package = tmp_path / "services" / "core" / "zone"
    package.mkdir(parents=True)
    (package / "bad.py").write_text("from services.api.deps import CurrentUser\n", encoding="utf-8")
    found = imports_of("services.core", root=tmp_path)
    assert found == {"services/core/zone/bad.py": {"services.api.deps"}}

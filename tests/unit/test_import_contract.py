"""The import arrows of ARCHITECTURE.md: workflows import no services; api and workers never each other."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
WORKFLOW_ALLOWED = ("workflows", "temporalio", "pydantic", "__future__")


def imports_of(package: str) -> dict[str, set[str]]:
    found: dict[str, set[str]] = {}
    for path in (ROOT / package.replace(".", "/")).rglob("*.py"):
        modules: set[str] = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                modules |= {alias.name for alias in node.names}
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                modules.add(node.module)
        found[str(path.relative_to(ROOT))] = modules
    return found


def test_workflows_import_only_stdlib_temporalio_pydantic():
    import sys

    for path, modules in imports_of("workflows").items():
        for module in modules:
            top = module.split(".")[0]
            assert top in WORKFLOW_ALLOWED or top in sys.stdlib_module_names, f"{path} imports {module}"


def test_api_and_workers_do_not_import_each_other():
    for path, modules in imports_of("services.api").items():
        assert not [m for m in modules if m.startswith("services.workers")], path
    for path, modules in imports_of("services.workers").items():
        assert not [m for m in modules if m.startswith("services.api")], path


def test_core_has_no_fastapi():
    for path, modules in imports_of("services.core").items():
        assert not [m for m in modules if m.split(".")[0] in ("fastapi", "starlette")], path

"""The workflow sandbox every worker and replayer of ours uses.

Temporal's Python sandbox re-imports each workflow's modules for every new run and every replay after a cache
eviction (docs/performance.md: 20 ms of worker CPU per replay of a 68-event history). Our `workflows` package is
deterministic by rule (no I/O, no clock, no randomness; tests/unit/test_one_home.py and the import contract keep
it so), and pydantic is a pure library, so both are imported once and shared with the sandbox instead.
"""

from __future__ import annotations

from temporalio.worker.workflow_sandbox import SandboxedWorkflowRunner, SandboxRestrictions

PASSED_THROUGH = ("workflows", "pydantic", "pydantic_core", "annotated_types")


def workflow_runner() -> SandboxedWorkflowRunner:
    """The sandbox with our deterministic workflow code and pydantic passed through (imported once)."""
    return SandboxedWorkflowRunner(
        restrictions=SandboxRestrictions.default.with_passthrough_modules(*PASSED_THROUGH))

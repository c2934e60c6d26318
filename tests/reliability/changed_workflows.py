"""Deliberately changed copies of the ApplicationWorkflow, for proving that the determinism guard catches a
change: each keeps the workflow's name, so the Replayer takes it for the real one. (Temporal wants the
entry points declared on each registered class; they only call the original's.)"""

from __future__ import annotations

from datetime import timedelta

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from workflows.contracts import LOAD_PLANNED_ITEMS_ACTIVITY, ApplicationState, StartInput
    from workflows.designation import ApplicationWorkflow


@workflow.defn(name="ApplicationWorkflow")
class ExtraTimerWorkflow(ApplicationWorkflow):
    """Waits a moment (a new timer) before recording each event."""

    @workflow.init
    def __init__(self, start: StartInput) -> None:
        super().__init__(start)

    @workflow.run
    async def run(self, start: StartInput) -> ApplicationState:
        return await super().run(start)

    async def _record(self, **fields) -> None:
        await workflow.sleep(timedelta(seconds=1))
        await super()._record(**fields)


@workflow.defn(name="ApplicationWorkflow")
class ReorderedActivityWorkflow(ApplicationWorkflow):
    """Loads the planned items (an activity) before recording every decision, not only at designation."""

    @workflow.init
    def __init__(self, start: StartInput) -> None:
        super().__init__(start)

    @workflow.run
    async def run(self, start: StartInput) -> ApplicationState:
        return await super().run(start)

    async def _record(self, **fields) -> None:
        if fields.get("kind") == "decision":
            await workflow.execute_activity(LOAD_PLANNED_ITEMS_ACTIVITY, self._start.application_id,
                                            start_to_close_timeout=timedelta(seconds=30))
        await super()._record(**fields)


@workflow.defn(name="ApplicationWorkflow")
class CompatibleChangeWorkflow(ApplicationWorkflow):
    """The same extra timer behind workflow.patched: recorded histories replay, new runs take the new path."""

    @workflow.init
    def __init__(self, start: StartInput) -> None:
        super().__init__(start)

    @workflow.run
    async def run(self, start: StartInput) -> ApplicationState:
        return await super().run(start)

    async def _record(self, **fields) -> None:
        if workflow.patched("pause-before-record"):
            await workflow.sleep(timedelta(seconds=1))
        await super()._record(**fields)

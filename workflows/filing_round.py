"""The filing round workflow: one per round and phase (`filing-round-{id}-file`, `-certify`).

It sends each application of the round its decision (local_filing/file, or national_review/certify or
return) through an activity that calls the application's own workflow Update with an update id derived
from the round and the application, then marks the round filed or certified. Started by the API once the
round's intent is stored; a worker killed halfway leaves it running, and the next worker finishes it:
a retried activity reuses the same update id, so no application is decided twice.
"""

from __future__ import annotations

import asyncio
from datetime import timedelta

from temporalio import workflow
from temporalio.common import RetryPolicy
from temporalio.exceptions import ActivityError, ApplicationError

with workflow.unsafe.imports_passed_through():
    from workflows.contracts import (
        DECIDE_ROUND_APPLICATION_ACTIVITY,
        FILING_ROUND_WORKFLOW_NAME,
        FINISH_ROUND_ACTIVITY,
        FilingRoundInput,
        FilingRoundResult,
        RoundApplicationDecision,
        RoundApplicationOutcome,
        RoundPhaseDone,
    )

# A decision is one Update round trip plus the application's own record activity (30 s at most). The
# activity heartbeats while it waits, so an attempt on a killed worker is retried elsewhere after
# DECISION_HEARTBEAT_TIMEOUT, not after the whole DECISION_TIMEOUT.
DECISION_TIMEOUT = timedelta(seconds=30)
DECISION_HEARTBEAT_TIMEOUT = timedelta(seconds=10)
FINISH_TIMEOUT = timedelta(seconds=30)
# Keep retrying until the application's workflow answers: refusals are raised non-retryable by the activity.
RETRY = RetryPolicy(initial_interval=timedelta(milliseconds=500), maximum_interval=timedelta(seconds=10))


@workflow.defn(name=FILING_ROUND_WORKFLOW_NAME)
class FilingRoundWorkflow:
    @workflow.run
    async def run(self, request: FilingRoundInput) -> FilingRoundResult:
        outcomes: list[RoundApplicationOutcome] = []
        ids = request.application_ids
        for first in range(0, len(ids), request.decisions_at_once):
            batch = ids[first:first + request.decisions_at_once]
            # Let the whole batch settle before failing on a refusal, so no decision is left in the air.
            results = await asyncio.gather(*(self._decide(request, application_id) for application_id in batch),
                                           return_exceptions=True)
            refused = next((r for r in results if isinstance(r, BaseException)), None)
            if refused is not None:
                raise _as_refusal(refused)
            outcomes.extend(results)
        await workflow.execute_activity(FINISH_ROUND_ACTIVITY, RoundPhaseDone(round_id=request.round_id,
                                                                              phase=request.phase),
                                        start_to_close_timeout=FINISH_TIMEOUT, retry_policy=RETRY)
        return FilingRoundResult(round_id=request.round_id, phase=request.phase, applications=outcomes)

    @staticmethod
    async def _decide(request: FilingRoundInput, application_id: int) -> RoundApplicationOutcome:
        return await workflow.execute_activity(
            DECIDE_ROUND_APPLICATION_ACTIVITY,
            RoundApplicationDecision(round_id=request.round_id, phase=request.phase,
                                     acting_user_id=request.acting_user_id, application_id=application_id),
            start_to_close_timeout=DECISION_TIMEOUT, heartbeat_timeout=DECISION_HEARTBEAT_TIMEOUT,
            retry_policy=RETRY, result_type=RoundApplicationOutcome)


def _as_refusal(error: BaseException) -> BaseException:
    """An application's refusal (403/409/422 in the API) becomes the round's failure, with its type and
    bilingual details, so the caller gets the same answer as from a direct decision."""
    if isinstance(error, ActivityError) and isinstance(error.cause, ApplicationError):
        cause = error.cause
        return ApplicationError(cause.message, *cause.details, type=cause.type, non_retryable=True)
    return error

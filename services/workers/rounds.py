"""Activities of the filing round workflow: one application's decision, then the round marked done.

Both are idempotent under retry: a decision goes to the application's workflow as an Update whose id is
derived from the round and the application (the one a direct call used before), and one already made
counts as done; marking the round done twice changes nothing.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

from temporalio import activity
from temporalio.exceptions import ApplicationError

from services.core.platform.exceptions import REFUSALS, DomainError
from services.core.rounds.service import RoundService
from workflows.contracts import (
    DECIDE_ROUND_APPLICATION_ACTIVITY,
    FINISH_ROUND_ACTIVITY,
    RoundApplicationDecision,
    RoundApplicationOutcome,
    RoundPhaseDone,
)

HEARTBEAT_EVERY_SECONDS = 2.0  # well inside the workflow's DECISION_HEARTBEAT_TIMEOUT (10 s)


@dataclass
class RoundActivities:
    rounds: RoundService

    @activity.defn(name=DECIDE_ROUND_APPLICATION_ACTIVITY)
    async def decide_round_application(self, request: RoundApplicationDecision) -> RoundApplicationOutcome:
        deciding = asyncio.ensure_future(self.rounds.decide_member(
            request.round_id, request.phase, request.application_id, acting_user_id=request.acting_user_id))
        try:
            # Heartbeat while the application's workflow answers: a killed worker's attempt is retried as soon
            # as its heartbeats stop (the workflow's heartbeat timeout), not at the end of start-to-close.
            while not deciding.done():
                activity.heartbeat()
                await asyncio.wait({deciding}, timeout=HEARTBEAT_EVERY_SECONDS)
            state = deciding.result()
        except asyncio.CancelledError:
            deciding.cancel()
            raise
        except DomainError as refused:
            if refused.code not in REFUSALS:
                raise  # e.g. Temporal unreachable from here: retried
            # A refusal would be refused again: fail the round's workflow with it (the API answers 4xx).
            raise ApplicationError(refused.message, {"message_ja": refused.message_ja, "errors": refused.errors},
                                   type=refused.code, non_retryable=True) from None
        activity.logger.info("round %s: application %s is %s", request.round_id, request.application_id, state)
        return RoundApplicationOutcome(application_id=request.application_id, state=state)

    @activity.defn(name=FINISH_ROUND_ACTIVITY)
    async def finish_round(self, request: RoundPhaseDone) -> None:
        await self.rounds.finish(request.round_id, request.phase)

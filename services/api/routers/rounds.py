"""Filing rounds (計画変更の申請): assembled and filed by local officials, certified by the Cabinet Office."""

from __future__ import annotations

from fastapi import APIRouter, Response, status

from services.api.deps import CurrentUser, Rounds
from services.core.rounds.models import CERTIFYING, FILING
from services.core.rounds.schemas import (
    CandidatePublic,
    RoundApplications,
    RoundCertify,
    RoundCreate,
    RoundFile,
    RoundPublic,
    RoundReturn,
)
from workflows.contracts import Government

router = APIRouter(prefix="/rounds", tags=["filing rounds"])

# Filing and certifying wait for the round's workflow up to TOKKU_ROUND_WAIT_SECONDS; past that the answer is
# the round as it stands, still in progress, and the workers finish it without anyone posting again.
IN_PROGRESS = {status.HTTP_202_ACCEPTED: {
    "model": RoundPublic,
    "description": "The round's decisions are still being sent (status `filing` or `certifying`): the workers "
                   "finish it on their own; read it again later, or post the same body again to wait once more."}}


@router.get("", response_model=list[RoundPublic], summary="Rounds the caller may see, newest first")
async def list_rounds(user: CurrentUser, rounds: Rounds) -> list[RoundPublic]:
    return await rounds.list(user)


@router.get("/candidates", response_model=list[CandidatePublic],
            summary="Applications that passed the council and are in no round yet (local official)")
async def list_candidates(user: CurrentUser, rounds: Rounds) -> list[CandidatePublic]:
    return await rounds.candidates(user)


@router.post("", response_model=RoundPublic, status_code=status.HTTP_201_CREATED,
             summary="Group applications at local_filing into a round (local official)")
async def create_round(body: RoundCreate, user: CurrentUser, rounds: Rounds) -> RoundPublic:
    return await rounds.create(user, body)


@router.get("/{round_id}", response_model=RoundPublic, summary="A round with its applications and dates")
async def get_round(round_id: int, user: CurrentUser, rounds: Rounds) -> RoundPublic:
    return await rounds.get(user, round_id)


@router.post("/{round_id}/applications", response_model=RoundPublic,
             summary="Add applications to a round before it is filed (local official)")
async def add_applications(round_id: int, body: RoundApplications, user: CurrentUser, rounds: Rounds) -> RoundPublic:
    return await rounds.add(user, round_id, body)


@router.delete("/{round_id}/applications/{application_id}", response_model=RoundPublic,
               summary="Take an application out of a round before it is filed (local official)")
async def remove_application(round_id: int, application_id: int, user: CurrentUser, rounds: Rounds) -> RoundPublic:
    return await rounds.remove(user, round_id, application_id)


@router.post("/{round_id}/confirmations/{government}", response_model=RoundPublic,
             summary="A government confirms its own applications in the round before filing (its local officials "
                     "only; the prefecture's for Fujisawa's areas)")
async def confirm_applications(round_id: int, government: Government, user: CurrentUser,
                               rounds: Rounds) -> RoundPublic:
    return await rounds.confirm(user, round_id, government)


@router.post("/{round_id}/file", response_model=RoundPublic,
             summary="File the round with the Cabinet Office, once: every application moves to national_review",
             responses=IN_PROGRESS)
async def file_round(round_id: int, body: RoundFile, user: CurrentUser, rounds: Rounds,
                     response: Response) -> RoundPublic:
    return _answer(await rounds.file(user, round_id, body), response)


@router.post("/{round_id}/return", response_model=RoundPublic,
             summary="Return one filed application to its company (Cabinet Office)")
async def return_application(round_id: int, body: RoundReturn, user: CurrentUser, rounds: Rounds) -> RoundPublic:
    return await rounds.return_application(user, round_id, body)


@router.post("/{round_id}/certify", response_model=RoundPublic,
             summary="Certify the round, once: every filed application moves to designation, except those "
                     "returned (Cabinet Office)", responses=IN_PROGRESS)
async def certify_round(round_id: int, body: RoundCertify, user: CurrentUser, rounds: Rounds,
                        response: Response) -> RoundPublic:
    return _answer(await rounds.certify(user, round_id, body), response)


def _answer(filing_round: RoundPublic, response: Response) -> RoundPublic:
    if filing_round.status in (FILING, CERTIFYING):
        response.status_code = status.HTTP_202_ACCEPTED
    return filing_round

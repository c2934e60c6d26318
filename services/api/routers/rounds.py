"""Filing rounds (計画変更の申請): assembled and filed by local officials, certified by the Cabinet Office."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request, status

from services.api.deps import CurrentUser, Service
from services.core.rounds import (
    CandidatePublic,
    RoundApplications,
    RoundCertify,
    RoundCreate,
    RoundFile,
    RoundPublic,
    RoundReturn,
    RoundService,
)

router = APIRouter(prefix="/rounds", tags=["filing rounds"])


def get_rounds(request: Request, service: Service) -> RoundService:
    return RoundService(request.app.state.sessions, service)


Rounds = Annotated[RoundService, Depends(get_rounds)]


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


@router.post("/{round_id}/file", response_model=RoundPublic,
             summary="File the round with the Cabinet Office, once: every application moves to national_review")
async def file_round(round_id: int, body: RoundFile, user: CurrentUser, rounds: Rounds) -> RoundPublic:
    return await rounds.file(user, round_id, body)


@router.post("/{round_id}/return", response_model=RoundPublic,
             summary="Return one filed application to its company (Cabinet Office)")
async def return_application(round_id: int, body: RoundReturn, user: CurrentUser, rounds: Rounds) -> RoundPublic:
    return await rounds.return_application(user, round_id, body)


@router.post("/{round_id}/certify", response_model=RoundPublic,
             summary="Certify the round, once: every filed application moves to designation, except those "
                     "returned (Cabinet Office)")
async def certify_round(round_id: int, body: RoundCertify, user: CurrentUser, rounds: Rounds) -> RoundPublic:
    return await rounds.certify(user, round_id, body)

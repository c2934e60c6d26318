"""Request and response shapes of filing rounds (計画変更の申請)."""

from __future__ import annotations

from datetime import date, datetime

from pydantic import BaseModel, ConfigDict, Field, field_validator

from workflows.contracts import Government, JpDate, Status


class _Body(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class RoundCreate(_Body):
    title: str = Field(min_length=1, max_length=200, description="e.g. 令和4年度 第2回 計画変更")
    application_ids: list[int] = Field(min_length=1, max_length=200)

    @field_validator("application_ids")
    @classmethod
    def _unique(cls, value: list[int]) -> list[int]:
        return list(dict.fromkeys(value))


class RoundApplications(_Body):
    application_ids: list[int] = Field(min_length=1, max_length=200)


class RoundFile(_Body):
    filed_on: JpDate
    reference: str = Field(min_length=1, max_length=200)


class RoundReturn(_Body):
    application_id: int
    reason: str = Field(min_length=1, max_length=2000, description="why it goes back to its company")


class RoundCertify(_Body):
    certified_on: JpDate
    reference: str = Field(min_length=1, max_length=200)
    returns: list[RoundReturn] = Field(default_factory=list, description="applications returned, not certified")


class RoundApplicationPublic(BaseModel):
    application_id: int
    project_name: str | None
    applicant_name: str | None
    government: Government | None
    status: Status
    state: str
    return_reason: str | None
    decided_at: datetime | None


class RoundConfirmationPublic(BaseModel):
    government: Government
    application_ids: list[int]
    confirmed_by: str = Field(description="the confirming official's username")
    confirmed_at: datetime
    current: bool = Field(description="false once the government's applications in the round changed since")


class RoundPublic(BaseModel):
    id: int
    title: str
    government: Government
    status: str
    status_ja: str
    filed_on: date | None
    filing_reference: str | None
    certified_on: date | None
    certification_reference: str | None
    created_at: datetime
    filed_at: datetime | None
    certified_at: datetime | None
    applications: list[RoundApplicationPublic]
    confirmations: list[RoundConfirmationPublic] = Field(
        default_factory=list, description="each government's confirmation of its own applications")
    awaiting_confirmation: list[Government] = Field(
        default_factory=list, description="governments whose applications in the open round are not confirmed yet "
                                          "(the filing official's own government's are confirmed by the filing)")


class CandidatePublic(BaseModel):
    application_id: int
    project_name: str | None
    applicant_name: str | None
    government: Government | None

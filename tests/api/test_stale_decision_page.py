"""A decision form that is out of date (someone decided meanwhile, or an outcome no longer open) is refused on the
page in the page's language: English pages name steps and outcomes by their labels, never by their API keys."""

from __future__ import annotations

import re

import pytest

from services.api.pages.i18n import STATUS_LABELS_EN, peoples_words
from tests.factories import application_body
from tests.pages_http import csrf_of, signed_in_pages
from workflows.contracts import Status

API_KEYS = re.compile(r"\b(intake_review|council_consultation|local_filing|national_review|follow_up)\b|'accept'")


@pytest.fixture
async def official_pages(api_url):
    async with signed_in_pages(api_url, "kawasaki1") as client:
        yield client


async def test_a_stale_decision_form_is_refused_in_words_on_an_english_page(as_user, official_pages):
    applicant = await as_user("applicant1")
    submitted = await applicant.post("/applications?submit=true", application_body())
    assert submitted.status_code == 201, submitted.text
    application_id = submitted.json()["id"]
    page = await official_pages.get(f"/applications/{application_id}?lang=en")
    assert page.status_code == 200 and "Intake review" in page.text
    csrf = csrf_of(page)
    # Another official (here: the same one through the API) decides first; the open form is now stale.
    kawasaki = await as_user("kawasaki1")
    accepted = await kawasaki.post(f"/applications/{application_id}/decisions",
                                   {"step": "intake_review", "outcome": "accept"})
    assert accepted.status_code == 200, accepted.text
    stale = await official_pages.post(f"/applications/{application_id}/decisions",
                                      data={"csrf_token": csrf, "step": "intake_review", "outcome": "accept"})
    assert stale.status_code == 409, stale.text
    assert f"“{STATUS_LABELS_EN[Status.council_consultation]}”" in stale.text
    assert not API_KEYS.search(stale.text), API_KEYS.search(stale.text)


def test_the_apis_words_become_peoples_words():
    assert peoples_words("outcome 'complete' is not possible at intake_review; choose one of accept, return, reject") \
        == ("outcome “Complete follow-up” is not possible at “Intake review”; choose one of “Accept (to council)”, "
            "“Return for revision”, “Reject”")
    assert peoples_words("outcome 'return' is not possible at step designation; allowed: designate, reject") \
        == "outcome “Return for revision” is not possible at step “Designation”; allowed: “Designate”, “Reject”"
    # Plain English words that happen to be keys stay as they are.
    sentence = "the application was returned; file it again or return to the draft"
    assert peoples_words(sentence) == sentence


async def test_the_step_target_is_listed_once(as_user, official_pages):
    applicant = await as_user("applicant1")
    submitted = await applicant.post("/applications?submit=true", application_body())
    page = await official_pages.get(f"/applications/{submitted.json()['id']}?lang=en")
    deadlines = page.text.split('id="deadlines-heading"')[1].split("</section>")[0]
    assert deadlines.count("Step target date") == 1, deadlines
    assert "Step target date</strong> (Intake review)" in deadlines  # English brackets on an English page

"""bench/claims.py scores the claim finder fairly, and the labelled corpus it reads is sound."""

from __future__ import annotations

import json
from datetime import date

import pytest

from bench import claims as bench
from bench.claims import Labelled, measure

PARTS = ["dev", "heldout"]


@pytest.mark.parametrize("part", PARTS)
def test_every_label_quotes_its_text(part):
    for labelled in bench.load(part):
        for entry in [*labelled.forecasts, *labelled.meta.get("not_forecasts", [])]:
            assert entry["quote"] in labelled.text, (labelled.id, entry["quote"][:60])


@pytest.mark.parametrize("part", PARTS)
def test_every_text_has_an_origin_a_date_and_readable_labels(part):
    for labelled in bench.load(part):
        assert labelled.meta["url"].startswith(("http://", "https://")), labelled.id
        date.fromisoformat(labelled.meta["published_on"])
        for forecast in labelled.forecasts:
            if forecast["deadline"] is not None:
                date.fromisoformat(forecast["deadline"])
            assert forecast["probability"] is None or 0 <= forecast["probability"] <= 1


def test_no_text_is_in_both_parts():
    ids = [{labelled.id for labelled in bench.load(part)} for part in PARTS]
    urls = [{labelled.meta["url"] for labelled in bench.load(part)} for part in PARTS]
    assert not ids[0] & ids[1]
    assert not urls[0] & urls[1]


def text_with(forecasts: list[dict], text: str) -> Labelled:
    meta = {"id": "t", "genre": "list of bets", "published_on": "2026-01-05", "title": ""}
    return Labelled("t", "list of bets", text, json.loads(json.dumps(meta)), forecasts)


def test_a_found_forecast_counts_its_deadline_and_number():
    text = "My bets.\n\nThe Fed cuts rates by 2027: 60%\n"
    gold = [
        {"quote": "The Fed cuts rates by 2027: 60%", "deadline": "2027-12-31", "probability": 0.6}
    ]
    tally = measure(text_with(gold, text), show=False)
    assert (tally.gold, tally.found, tally.right, tally.proposals) == (1, 1, 1, 1)
    assert (tally.deadline_right, tally.stated, tally.stated_right) == (1, 1, 1)


def test_a_wrong_deadline_a_miss_and_an_extra_proposal_all_count_against_it():
    text = (
        "My bets.\n\nThe Fed cuts rates by 2027: 60%\nIt rained yesterday.\nGold will top $3000.\n"
    )
    gold = [
        {"quote": "The Fed cuts rates by 2027: 60%", "deadline": "2030-12-31", "probability": 0.2},
        {"quote": "It rained yesterday.", "deadline": None, "probability": None},
    ]
    tally = measure(text_with(gold, text), show=True)
    assert (tally.found, tally.gold) == (1, 2)  # the past sentence is labelled but not found
    assert (tally.right, tally.proposals) == (1, 2)  # "Gold will top" is not labelled
    assert (tally.deadline_right, tally.stated_right) == (0, 0)
    assert any(line.startswith("MISSED") for line in tally.misses)
    assert any(line.startswith("WRONG") for line in tally.misses)

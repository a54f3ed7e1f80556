"""Polymarket: one market by slug or id, from the Gamma API (public, no key).

``GET {base}/markets/slug/{slug}`` and ``GET {base}/markets/{id}`` answer one market
(docs.polymarket.com, "Get market by slug" / "by id"): ``question``, ``closed``,
``endDate``, ``closedTime``, ``umaResolutionStatus`` (empty, "proposed", "disputed",
"resolved") and ``outcomes`` / ``outcomePrices``, which are JSON-encoded strings
('["Yes", "No"]', '["1", "0"]'). A market is resolved when it is closed, UMA's status is
"resolved" and the prices are 1 for one outcome and 0 for the others; equal prices after
a resolution are Polymarket's 50-50 resolution, which it uses for a market it cannot
resolve, so it reads as annulled.
"""

from __future__ import annotations

import json
from datetime import datetime
from decimal import Decimal
from urllib.parse import quote

from resolvers.kinds.errors import EvaluationError
from resolvers.kinds.forecast_platform.reading import (
    ANNULLED,
    ANSWER,
    NO,
    YES,
    Reading,
    State,
    field,
    iso,
    probability,
)
from resolvers.kinds.values import api_base, parse_when, short

NAME = "Polymarket"
WHAT = "the Polymarket market"
PENDING_NOTES = {
    "proposed": "a resolution is proposed to UMA and waits out its challenge period",
    "disputed": "its proposed resolution is disputed and waits for UMA's vote",
}


def url(config: dict) -> str:
    if config.get("slug"):
        return f"{api_base('polymarket')}/markets/slug/{quote(config['slug'], safe='')}"
    return f"{api_base('polymarket')}/markets/{quote(str(config['id']), safe='')}"


def missing(status: int, config: dict) -> str:
    market = config.get("slug") or config.get("id")
    return f"Polymarket has no market {market!r} (HTTP {status}); check its slug or id"


def _encoded_list(data: dict, name: str) -> list:
    text = data.get(name)
    try:
        value = json.loads(text) if isinstance(text, str) else None
    except ValueError:
        value = None
    if not isinstance(value, list) or not value:
        raise EvaluationError(
            f"the Polymarket market's {name} is not the JSON-encoded list its API documents"
        )
    return value


def _outcomes(data: dict) -> list[tuple[str, Decimal]]:
    names = _encoded_list(data, "outcomes")
    prices = _encoded_list(data, "outcomePrices")
    if len(names) != len(prices) or not all(isinstance(name, str) for name in names):
        raise EvaluationError("the Polymarket market's outcomes and outcomePrices do not match")
    read = [
        (name, probability(price, "outcome price", WHAT))
        for name, price in zip(names, prices, strict=True)
    ]
    if any(price is None for _name, price in read):
        raise EvaluationError("the Polymarket market's outcomePrices hold a null price")
    return read


def _index(outcomes: list[tuple[str, Decimal]], label: str) -> int:
    for index, (name, _price) in enumerate(outcomes):
        if name.strip().casefold() == label.strip().casefold():
            return index
    shown = ", ".join(repr(name) for name, _ in outcomes)
    raise EvaluationError(f"the Polymarket market has no outcome {label!r} (its outcomes: {shown})")


def read(data: dict, config: dict, multiple_choice: bool, now: datetime) -> Reading:
    outcomes = _outcomes(data)
    title = field(data, "question", str, WHAT) or str(data.get("id", "?"))
    closed = field(data, "closed", bool, WHAT)
    if closed is None:
        raise EvaluationError("the Polymarket market's answer has no closed flag")
    status = (field(data, "umaResolutionStatus", str, WHAT) or "").strip().lower()
    base = {
        "platform": NAME,
        "market": f'"{short(title, 100)}"',
        "closes_at": iso(data.get("endDate"), "endDate", WHAT),
    }
    yes = None if multiple_choice else _index(outcomes, config.get("yes_outcome") or "Yes")
    if yes is not None:
        chance, leading = outcomes[yes][1], ""
    else:
        leading, chance = max(outcomes, key=lambda outcome: outcome[1])
    odds = {"probability": chance, "leading": leading}
    if status in PENDING_NOTES:
        return Reading(**base, state=State.PENDING, raw=status, note=PENDING_NOTES[status], **odds)
    if status and status != "resolved":
        note = f"UMA's resolution status is {status!r}"
        return Reading(**base, state=State.PENDING, raw=status, note=note, **odds)
    if status == "resolved" and not closed:
        note = "UMA resolved it but Polymarket has not closed the market yet"
        return Reading(**base, state=State.PENDING, raw=status, note=note, **odds)
    if not closed:
        return Reading(**base, state=State.OPEN, raw="open", **odds)
    if not status:
        return Reading(**base, state=State.CLOSED, raw="closed", **odds)
    done = {
        **base,
        "state": State.RESOLVED,
        "resolved_at": parse_when(data.get("closedTime")),
    }
    prices = [price for _name, price in outcomes]
    if len(set(prices)) == 1:  # 50-50: Polymarket's resolution of a market it cannot decide
        shown = "-".join(f"{price * 100:.0f}" for price in prices)
        return Reading(**done, raw=f"resolved {shown}", outcome=ANNULLED)
    winners = [index for index, price in enumerate(prices) if price == 1]
    if len(winners) != 1 or any(
        price != 0 for index, price in enumerate(prices) if index != winners[0]
    ):
        raise EvaluationError(
            "the Polymarket market is resolved but its prices are not 1 for one outcome and 0 "
            f"for the others ({', '.join(f'{name} {price}' for name, price in outcomes)})"
        )
    winner = outcomes[winners[0]][0]
    if yes is None:
        return Reading(**done, raw=winner, outcome=ANSWER, answer=winner)
    return Reading(**done, raw=winner, outcome=YES if winners[0] == yes else NO)

"""The claim finder (registry/claims/), stage by stage, and on the seed article.

The seed article's gold standard below is a hand reading of every English sentence of it
(57): the 22 that make a forecast. The measured corpus for other genres lives in
bench/claims_corpus/ and is scored by bench/claims.py; these tests pin the behaviour each
stage promises, with the input next to its expected result.
"""

from __future__ import annotations

import ast
import json
from datetime import date
from pathlib import Path

import pytest

from registry import claims
from registry.claims import EstimativeTable, analyse, draft_question, find_claims
from registry.claims.document import document_horizon
from registry.claims.estimative import TABLE_PATH
from registry.claims.horizons import Context, heading_horizon, own_horizon
from registry.claims.phrasing import as_question
from registry.claims.probability import stated_probability
from registry.claims.seasons import league_of, season_horizon
from registry.management.commands.load_seed import SEED_DIR, parse_seed

SEED = parse_seed(SEED_DIR / "open-models-mid-2026.txt")
TEXT = SEED["text"]  # exactly what Source.text holds
PUBLISHED = SEED["published_on"]  # 2026-04-15
TITLE = SEED["title"]

# Every English sentence of the article that forecasts the future, by its opening words.
GOLD = [
    "The obvious answer is that no, they won\u2019t.",
    "This answer is a form of saying they won\u2019t keep up in every area.",
    "This will continue and reflects a balance of abundant talent",
    "Changes in the distillation dynamic (e.g. regulation) will not be",
    "This will be key to enabling closed models to dominate in markets",
    "The open vs. closed model race, as monitored through benchmarks, will",
    "I expect Chinese open-weight labs to face funding difficulties first",
    "Funding difficulties will be seen in different capability trajectories",
    # Borderline: "can dominate ... potentially leveraging" is a hedged forecast.
    "This is the first clear technical area that closed labs can dominate",
    "Open models will be increasingly adopted in repetitive automation tasks",
    "The success of this will drive more investment in domain-specific",
    "Only real AI revenue begets more investment, eventually that\u2019ll be linked",
    "Recurring calls to ban certain types of open models will continue to come",
    # An illustration of the forecast before it: the consequence is asserted.
    "E.g. if the U.S. bans open models over a certain compute threshold",
    "The second derivative of influence on open models has shifted, and the U.S. will",
    "As ever-stronger closed models are built, previewed, and released, there will be",
    "These can spur burdensome regulation on open models.",
    "With the above, there will also be increased long-term interest in open models",
    "These entities will see open models as a different governance paradigm.",
    "New funding structures for open models will emerge",
    "It is a sort of dark matter, with pervasive, massive potential for influence",
    "This complex reality has been driving me to think more deeply",
]
# Someone else's forecast in quotation marks: proposed, but as theirs, not the author's.
QUOTED = "Many other outlets can paint a far more simplistic narrative"
NOT_FORECASTS_BORDERLINE = [
    "We\u2019re living through the period of time when we\u2019ll learn if open models",
    "This framing closes off a popular prediction where the open models completely catch up",
    "In living through this, it\u2019s evidently very unclear when the longer-term",
    "Economic realities have not yet impacted scaling open models",
    "Local agents, OpenClaw, and other personal agents represent a large",
    "More on the nuance in the open-closed gap in another piece coming soon",
    "These are downstream of 10+ pieces I\u2019ve written or recorded",
]


@pytest.fixture(scope="module")
def seed_proposals():
    return find_claims(TEXT, PUBLISHED, title=TITLE)


def proposal_for(proposals, opening: str):
    return next(p for p in proposals if p.quote.startswith(opening))


def one(text: str, published: date = date(2026, 1, 5), **kwargs):
    """The proposals for a short text: [] when it holds no forecast."""
    return find_claims(text, published, **kwargs)


class TestTheSeedArticle:
    def test_every_forecast_is_proposed_and_nothing_else(self, seed_proposals):
        quotes = [p.quote for p in seed_proposals]
        missed = [gold for gold in GOLD if not any(q.startswith(gold) for q in quotes)]
        extra = [q for q in quotes if not any(q.startswith(g) for g in [*GOLD, QUOTED])]
        assert missed == []
        assert extra == []

    def test_a_quoted_forecast_is_marked_with_its_speaker(self, seed_proposals):
        quoted = proposal_for(seed_proposals, QUOTED)
        assert quoted.speaker == "Many other outlets"

    def test_borderline_non_forecasts_are_not_proposed(self, seed_proposals):
        for prefix in NOT_FORECASTS_BORDERLINE:
            assert not any(p.quote.startswith(prefix) for p in seed_proposals), prefix

    def test_every_quote_is_the_text_at_its_offsets(self, seed_proposals):
        for proposal in seed_proposals:
            assert TEXT[proposal.start : proposal.end] == proposal.quote
            assert proposal.quote == proposal.quote.strip()

    def test_the_japanese_summary_is_skipped(self, seed_proposals):
        japanese_end = TEXT.index("We\u2019re living through")
        assert all(p.start >= japanese_end for p in seed_proposals)

    def test_the_dated_claims_and_their_numbers(self, seed_proposals):
        funding = proposal_for(seed_proposals, "I expect Chinese open-weight labs")
        assert funding.deadline == date(2026, 12, 31)
        assert funding.horizon_phrase == "later this year"
        assert (funding.implied_probability, funding.probability_phrase) == (0.5, "as soon as")

        later = proposal_for(seed_proposals, "Funding difficulties will be seen")
        assert (later.horizon.earliest, later.deadline) == (date(2027, 3, 31), date(2027, 9, 30))

        us = proposal_for(seed_proposals, "The second derivative of influence")
        assert us.deadline == date(2027, 3, 31)
        assert us.horizon_phrase == "starting in early 2027"

        answer = proposal_for(seed_proposals, "The obvious answer is that no")
        assert (answer.implied_probability, answer.probability_phrase) == (0.1, "won\u2019t")

        bans = proposal_for(seed_proposals, "Recurring calls to ban")
        assert (bans.implied_probability, bans.probability_phrase) == (0.02, "impossible")

    def test_bare_possibilities_are_tracked_without_a_number(self, seed_proposals):
        for opening in ["These can spur burdensome", "It is a sort of dark matter"]:
            weak = proposal_for(seed_proposals, opening)
            assert weak.implied_probability is None
            assert weak.strength == "weak"

    def test_every_proposal_says_why(self, seed_proposals):
        assert all(p.reasons for p in seed_proposals)


class TestUnits:
    def test_list_items_and_label_lines_are_units(self):
        passage = analyse(
            "My bets:\n\n- US enters a recession: 10%\n* Chances to make the playoffs: 78.6%\n"
            "1. Gold above $3000 - 60%\n",
            date(2026, 1, 5),
        )
        assert [u.text for u in passage.units] == [
            "My bets:",
            "US enters a recession: 10%",
            "Chances to make the playoffs: 78.6%",
            "Gold above $3000 - 60%",
        ]

    def test_a_probability_on_the_line_after_its_claim_belongs_to_it(self):
        [proposal] = one("Intro.\n\nThe Fed cuts rates in March.\nProbability: 75%\n")
        assert proposal.quote == "The Fed cuts rates in March."
        assert (proposal.implied_probability, proposal.probability_stated) == (0.75, True)

    def test_abbreviations_do_not_end_sentences(self):
        passage = analyse(
            "The U.S. Senate will vote, e.g. on the bill. Mr. Smith agrees.", date(2026, 1, 5)
        )
        assert [u.text for u in passage.units] == [
            "The U.S. Senate will vote, e.g. on the bill.",
            "Mr. Smith agrees.",
        ]

    def test_wrapped_lines_stay_in_their_sentence(self):
        passage = analyse("Prices will\nfall next year.\n\nAnother paragraph.", date(2026, 1, 5))
        assert [u.text for u in passage.units] == [
            "Prices will\nfall next year.",
            "Another paragraph.",
        ]


class TestWhatCountsAsAForecast:
    @pytest.mark.parametrize(
        "text",
        [
            "Open models will catch up.",
            "They won't catch up.",
            "I expect prices to fall.",
            "Prices are likely to fall.",
            "Prices are projected to fall by 2027.",
            "So we think growth continues.",
            "Productivity should kick in.",
            "The U.S. regains ground by 2028.",
            "Eventually the gap closes.",
            "You will see prices fall next year.",  # addressed to the reader
            "US enters a recession: 10%",  # a label line with no verb
            "E.g. if the U.S. bans them, another country will release them.",
            "Search revenue growth should be in the low to mid-teens.",
            "A recession is not a certainty, but we believe it is inevitable.",
            "Spectrum-X is well on track to begin a multibillion-dollar product line.",
            "We're going to see some organizations merge their services.",
            "So I'll guess that she won't, but with a high level of uncertainty.",
            "Soon we'll be able to work with AI that helps us do more.",
            "FOMC participants expect the rebalancing in the labor market to continue.",
            # the premise is the forecast itself, not a branch of it
            "If the economy evolves as projected, the median participant projects that the "
            "federal funds rate will be 4.6 percent at the end of 2027.",
            "Now, if exchange rates remain the same, currency should cut revenue by 1%.",
            "Even under the very low emissions scenario, warming is likely to reach 1.5°C.",
            "While we expect Japan's economy to grow 1.0% this year, that is lower than before.",
            "Inflation has held above 2% since 2022, but we expect it to ease to 2% this year.",
            "On the information that we have, we certainly do not see a recession.",
            "The SEP, like you mentioned, suggests the Fed will be making cuts in 2027.",
            "I am expecting some regression from the Red Sox pitching.",
        ],
    )
    def test_forecasts(self, text):
        assert one(text), text

    def test_present_tense_bets_inside_a_list_of_predictions(self):
        text = "Here are my predictions for 2026:\n\n- The Fed cuts twice\n- Gold tops $3000\n"
        assert [p.quote for p in one(text)] == ["The Fed cuts twice", "Gold tops $3000"]

    @pytest.mark.parametrize(
        ("text", "reason"),
        [
            ("Open models are strong today.", "no forecast wording"),
            ("Closed labs led the market in the second half of 2025.", "the past"),
            ("Revenue grew 10% this year.", "the past"),
            ("Next year is an election year.", "no forecast wording"),
            ("Will open models catch up?", "a question"),
            ("We will do everything we can to support the economy.", "a commitment"),
            ("With that, I'll turn it over to Amy.", "about the text or the event"),
            ("Here are my predictions for 2026.", "about the text or the event"),
            ("It is unclear when the balance will settle.", "“when” clause"),
            ("If prices rise, the dollar will strengthen.", "a conditional"),
            ("Prices would fall under that scenario.", "a hypothetical"),
            ("It will depend on the incoming data.", "a reaction function"),
            ("You will need a GPU.", "an instruction to the reader"),
            ("Prices may fall.", "only a bare possibility"),
            ("Our estimate of what the peak rate will be is higher.", "embedded question"),
            ("オープンモデルは今後も続くでしょう。", "not English"),
            ("Please go ahead.", "no forecast wording"),
            ("I'll echo the congrats on the cloud momentum.", "a commitment"),
            ("I will first go back over last year's predictions.", "a commitment"),
            ("We will stay the course until the job is done.", "a commitment"),
            ("But we'll be alert to it.", "a commitment"),
            ("We'll have to be watching the data.", "a commitment"),
            ("I wouldn't like to predict where housing prices go.", "a hypothetical"),
            ("So I guess that's what I'd emphasise.", "no forecast wording"),
            ("However, investors should remain vigilant.", "no forecast wording"),
            ("Investors will need to consider other areas of fixed income.", "advice"),
            ("*Long-run projections are the rates to which the economy will converge.", "footnote"),
            ("However, if earnings are late to broaden, the gap could remain.", "a conditional"),
            ("At the same time, if something cannot go on forever, it will not.", "a conditional"),
            ("In some scenarios, warming declines below 1.5°C by 2100.", "a scenario's"),
            ("And you will be on the receiving end of this very clear updating.", "the audience"),
            ("I may want to travel to Miami and see a friend.", "the speaker's own option"),
            ("That will become the most important question.", "an evaluation"),
            ("And that will allow us to feel our way.", "an evaluation"),
            ("Our interest rate decisions will be based on the incoming data.", "a reaction"),
            ("Talk to you all next year.", "no forecast wording"),
            ("Before I discuss my guidance for Q1 and fiscal 2027, a few notes.", "no forecast"),
            ("It led to minor upward revisions to 2027 forecasts.", "the past"),
            ("Tim Cook speaks first, and he'll be followed by our CFO.", "the event itself"),
            ("Full details are in the 10-Q, which will be available tomorrow.", "the event"),
            ("So we will manage that signal through the year.", "a commitment"),
            ("So overall, we're going to be much more focused on it.", "a commitment"),
            ("I think you also mentioned headwinds in the second half of 2027.", "no forecast"),
            ("Wage growth may pose an upside risk to price pressures.", "a risk named"),
            ("The Eurozone economy faces downside risks in the year ahead.", "no forecast"),
            ("It remains to be seen if the stimulus will be enough.", "the text or the event"),
            ("We thought those two things were going to be necessary.", "the past"),
            ("Someva will need about $800 m of equity for its share.", "a requirement"),
        ],
    )
    def test_not_forecasts_say_why(self, text, reason):
        passage = analyse("An opening line of prose.\n\n" + text, date(2026, 1, 5))
        unit = passage.units[-1]
        assert unit.verdict is False, text
        assert any(reason in why for why in unit.reasons), unit.reasons

    def test_a_central_banks_we_will_is_its_conduct_but_its_rate_path_is_a_forecast(self):
        text = (
            "Good afternoon. The Monetary Policy Committee decided to hold the Bank Rate.\n\n"
            "Monetary policy decisions are made meeting by meeting; the policy rate stays.\n\n"
            "Hence we will be data dependent, not data point dependent.\n\n"
            "We shall see whether there is a move in inflation.\n\n"
            "We'll need to stay there until inflation is coming down in a sustained way."
        )
        passage = analyse(text, date(2026, 1, 5))
        assert passage.policy_body
        verdicts = {unit.text[:12]: unit.verdict for unit in passage.units}
        assert verdicts["Hence we wil"] is False
        assert verdicts["We shall see"] is False
        assert verdicts["We'll need t"] is True

    def test_a_journalists_turn_is_a_question_not_a_forecast(self):
        turns = [
            "You have said inflation will return to target next year. Is that still right?",
            "I think it will. We expect inflation to fall next year.",
        ] * 3
        proposals = one("\n\n".join(turns), date(2024, 11, 5))
        assert {p.quote for p in proposals} == {"I think it will.", turns[1].split(". ")[1]}

    def test_fragments_of_a_predictions_list_are_not_bets_but_ranked_positions_are(self):
        text = (
            "My predictions for 2025:\n\n- Chiefs\n- 0.20-0.25:\n"
            "- Max, Peacock, Paramount, Hulu, Netflix\n- Gold tops $3000\n\n"
            "Division picks:\n\n1. Chiefs (Playoffs)\n2. Broncos\n3. Raiders\n"
        )
        quotes = [p.quote for p in one(text, date(2025, 1, 2), title="Predictions for 2025")]
        assert quotes == ["Gold tops $3000", "Chiefs (Playoffs)", "Broncos", "Raiders"]

    @pytest.mark.parametrize(
        "text",
        [
            "As in 2017 and 2018, I am making a set of predictions for what will happen in 2019.",
            "In 2021 I'll rate my predictive success and maybe make some more.",
            "80% seems about right.",
            "[Redacted 1]: 60%",
            "Table 2: North America: Real GDP 2020 to 2024 and Quarterly Forecasts",
            "My predictions will mostly happen in tech related spaces.",
            "We will go ahead and take our first question from David with UBS.",
            "As a reminder, gains on our equity investments can increase quarterly volatility.",
            "Just yesterday, we launched Season Pass, which will give fans every live game.",
        ],
    )
    def test_remarks_on_the_predictions_themselves_are_not_forecasts(self, text):
        assert one("Some opening words.\n\n" + text, date(2019, 1, 2)) == []

    def test_a_pick_in_a_season_preview_is_a_forecast_in_the_present_tense(self):
        text = "Our picks for the 2024 NFL season are in.\n\nChiefs are clear number 1.\n"
        proposals = one(text, date(2024, 9, 1), title="2024 NFL season preview")
        assert [p.quote for p in proposals] == ["Chiefs are clear number 1."]

    def test_a_continuation_made_of_numbers_is_read_as_its_own_bet(self):
        text = (
            "My predictions for 2021:\n\n- The S&P 500 is above 3703 on December 25th: 80%\n"
            "- ...4000: 50%\n"
        )
        proposals = one(text, date(2021, 1, 2), title="Predictions for 2021")
        assert [(p.quote, p.implied_probability) for p in proposals] == [
            ("The S&P 500 is above 3703 on December 25th: 80%", 0.8),
            ("...4000: 50%", 0.5),
        ]

    def test_notes_under_a_bet_about_how_it_is_read_are_not_bets(self):
        text = (
            "My predictions for 2020:\n\n- The election happens normally: 95%\n"
            "- By “normally” I simply mean that it occurs on the scheduled day.\n"
            "- This is mostly based on which states hold elections this year.\n"
            "- Democrats hold the House: 80%\n"
        )
        quotes = [p.quote for p in one(text, date(2020, 1, 2), title="Predictions for 2020")]
        assert quotes == ["The election happens normally: 95%", "Democrats hold the House: 80%"]

    def test_a_pick_told_in_the_past_tense_is_still_the_previews_pick(self):
        text = (
            "Our picks for the 2024 NFL season are in, from the AFC to the NFC.\n\n"
            "Since I'm from the DC area, I went with the Commanders ahead of the Giants.\n"
        )
        proposals = one(text, date(2024, 9, 1), title="2024 NFL season preview")
        assert [p.quote for p in proposals] == [
            "Since I'm from the DC area, I went with the Commanders ahead of the Giants."
        ]

    def test_a_season_previews_standings_are_picks_even_as_bare_team_names(self):
        text = (
            "A new NHL season is here, and the Stanley Cup is up for grabs again.\n\n"
            "Atlantic Division predictions\n\n- Toronto Maple Leafs (A1, East 2)\n"
            "- Florida Panthers (A2)\n- Tampa Bay Lightning\n- Ottawa Senators\n"
        )
        proposals = one(text, date(2023, 10, 11), title="2023-24 NHL preview: odds and predictions")
        assert [p.quote for p in proposals][-3:] == [
            "Florida Panthers (A2)",
            "Tampa Bay Lightning",
            "Ottawa Senators",
        ]
        assert {p.deadline for p in proposals} == {date(2024, 4, 16)}

    @pytest.mark.parametrize(
        ("title", "opening", "published", "league", "regular_end"),
        [
            (
                "Premier League predictions 2024-25",
                "Arsenal, Liverpool and relegation.",
                date(2024, 8, 10),
                "European football",
                date(2025, 5, 25),
            ),
            (
                "College football bold predictions",
                "The CFP and the Heisman race.",
                date(2024, 8, 20),
                "college football",
                date(2024, 12, 7),
            ),
            (
                "F1 2025 preview",
                "Verstappen and the Constructors' Championship.",
                date(2025, 3, 1),
                "Formula 1",
                date(2025, 12, 8),
            ),
            (
                "WNBA season preview",
                "The Aces and the Liberty meet again.",
                date(2025, 5, 10),
                "WNBA",
                date(2025, 9, 19),
            ),
        ],
    )
    def test_season_previews_of_other_leagues_are_dated_by_their_calendar(
        self, title, opening, published, league, regular_end
    ):
        found = league_of(title, opening)
        assert found is not None and found.name == league
        assert season_horizon(found, published).latest == regular_end

    def test_a_speakers_own_announcement_in_a_list_of_bets_is_still_a_bet(self):
        text = (
            "My predictions for 2022:\n\n- I will read 30 novels: 40%\n- I'll go vegan\n"
            "- There's a reasonable chance that the Fed cuts twice\n"
        )
        proposals = one(text, date(2022, 1, 2), title="Predictions for 2022")
        assert [p.quote[:9] for p in proposals] == ["I will re", "I'll go v", "There's a"]

    def test_the_header_block_is_not_proposed(self):
        text = "Predictions for 2026\nBy Jane Doe\nJanuary 2, 2026\n\nThe Fed will cut rates."
        assert [p.quote for p in one(text)] == ["The Fed will cut rates."]


class TestStatedProbabilities:
    @pytest.mark.parametrize(
        ("text", "probability"),
        [
            ("US enters a recession: 10%", 0.10),
            ("Chances to make the playoffs: 78.6%", 0.786),
            ("Biden wins (Probability: 75%)", 0.75),
            ("Rates fall, p = 0.3", 0.3),
            ("There is a 3 in 10 chance it rains", 0.3),
            ("There is a one in four chance of war", 0.25),
            ("The odds of a deal are 3 to 1", 0.75),
            ("The odds are 3 to 1 against a deal", 0.25),
            ("I am 70% confident rates fall", 0.7),
            ("A cut in March: 40\u201360%", 0.5),
            ("Cloud will begin to shift. (Probability 0.5)", 0.5),
            ("- No armed conflict between major powers: >99%", 0.99),
            ("4. Supreme Court will overturn Roe v. Wade (65%): SELL to 60%", 0.6),
            ("8. Marcos will be elected president (55%): BUY to 60%", 0.6),
            ("2. Inflation will average under three percent (80%): HOLD", 0.8),
            ("12. 20% of kids will get a vaccine by year's end (65%): HOLD", 0.65),
            ("Bitcoin ends the year above $100k: 80 %", 0.8),
            ("Bitcoin ends the year above $100k \u2192 80%", 0.8),
            ("Bitcoin ends the year above $100k (confidence 80%)", 0.8),
            ("Bitcoin ends the year above $100k (80%, up from 70%)", 0.8),
            ("Bitcoin ends the year above $100k - 8/10", 0.8),
            ("Bitcoin ends the year above $100k (80/100)", 0.8),
            ("Bitcoin ends the year above $100k \u2014 4 in 5", 0.8),
            ("(80%) Bitcoin ends the year above $100k", 0.8),
        ],
    )
    def test_every_common_way_of_stating_one(self, text, probability):
        stated = stated_probability(text)
        assert stated is not None and stated.value == pytest.approx(probability)

    @pytest.mark.parametrize(
        "text",
        [
            "GDP will grow 2.5% in 2025.",
            "A 25% tariff will be imposed.",
            "Revenue will grow 10% to 12%.",
            "Energy prices dropped sharply, at an annual rate of -6.1 per cent.",
            "The meeting is on 8/10.",
            "Shares rose 3 in 10 sessions.",
        ],
    )
    def test_quantities_are_not_probabilities(self, text):
        assert stated_probability(text) is None

    @pytest.mark.parametrize(
        "after",
        ["Likelihood: 80%", "Certainty: 80%.", "My confidence is 80%.", "I'd put it at 80%."],
    )
    def test_a_sentence_holding_only_its_number_belongs_to_the_claim(self, after):
        [proposal] = one(f"Intro.\n\nBitcoin will end the year above $100k. {after}")
        assert (proposal.implied_probability, proposal.probability_stated) == (0.8, True)

    def test_a_number_opening_the_line_belongs_to_its_claim(self):
        [proposal] = one("Intro.\n\n(80%) Bitcoin ends the year above $100k", title="Bets for 2026")
        assert proposal.quote == "(80%) Bitcoin ends the year above $100k"
        assert proposal.implied_probability == 0.8

    def test_a_stated_number_wins_over_a_hedge_word(self):
        [proposal] = one("Intro.\n\nThe deal is likely to close: 90%")
        assert (proposal.implied_probability, proposal.probability_stated) == (0.9, True)

    @pytest.mark.parametrize(
        ("text", "probability", "phrase"),
        [
            ("It will rain.", 0.9, "will"),
            ("It won\u2019t rain.", 0.1, "won\u2019t"),
            ("I expect rain to come.", 0.75, "I expect"),
            ("Rain is likely to come.", 0.7, "likely"),
            ("Rain is unlikely to come.", 0.2, "unlikely"),
            ("Rain probably won't come.", 0.3, "probably won't"),
            ("Rain will almost certainly come.", 0.93, "almost certainly"),
            ("Productivity should kick in.", 0.7, "should"),
        ],
    )
    def test_wording_sets_the_number_from_the_table(self, text, probability, phrase):
        [proposal] = one(text)
        assert (proposal.implied_probability, proposal.probability_phrase) == (probability, phrase)
        assert not proposal.probability_stated

    def test_might_and_could_alone_state_no_number(self):
        [proposal] = one("Predictions for 2026\n\nPrices might fall.", title="Predictions for 2026")
        assert proposal.implied_probability is None
        assert proposal.strength == "weak"


class TestHorizons:
    @pytest.mark.parametrize(
        ("phrase", "latest", "earliest"),
        [
            ("later this year", date(2026, 12, 31), None),
            ("next year", date(2027, 12, 31), date(2027, 1, 1)),
            ("by mid-2027", date(2027, 6, 30), None),
            ("early 2027", date(2027, 3, 31), date(2027, 1, 1)),
            ("in Q3", date(2026, 9, 30), date(2026, 7, 1)),
            ("Q3 2027", date(2027, 9, 30), date(2027, 7, 1)),
            ("in the second half of the year", date(2026, 12, 31), date(2026, 7, 1)),
            ("this summer", date(2026, 8, 31), None),
            ("beginning in April", date(2026, 4, 30), date(2026, 4, 1)),
            ("by the end of the decade", date(2029, 12, 31), None),
            ("in the 2030s", date(2039, 12, 31), date(2030, 1, 1)),
            ("over 2081\u20132100", date(2100, 12, 31), date(2081, 1, 1)),
            ("over the 21st century", date(2100, 12, 31), None),
            ("by 2300", date(2300, 12, 31), date(2300, 1, 1)),
            ("on May 15, 2027", date(2027, 5, 15), None),
            ("before 2028", date(2027, 12, 31), None),
            ("within 6 months", date(2026, 9, 5), None),
            ("within 90 days", date(2026, 6, 3), None),
            ("in a few thousand days", date(2034, 5, 22), None),
            ("a hundred years from now", date(2126, 3, 5), None),
            ("within a century", date(2126, 3, 5), None),
            ("by the mid-21st century", date(2050, 12, 31), None),
            ("by mid-century", date(2050, 12, 31), None),
            ("in the coming century", date(2100, 12, 31), None),
            ("through the end-of-century", date(2100, 12, 31), None),
            ("on or before December 31, 2027", date(2027, 12, 31), None),
            ("within the next year", date(2027, 3, 5), None),
            ("in the next decade", date(2036, 3, 5), None),
            ("at the end of 1Q/2027", date(2027, 3, 31), date(2027, 1, 1)),
            ("in 3Q 2026", date(2026, 9, 30), date(2026, 7, 1)),
        ],
    )
    def test_periods_against_the_publication_date(self, phrase, latest, earliest):
        horizon = own_horizon(f"It will happen {phrase}.", Context(date(2026, 3, 5)))
        assert (horizon.latest, horizon.earliest) == (latest, earliest)

    @pytest.mark.parametrize(
        ("phrase", "latest"),
        [
            ("in the June quarter", date(2026, 6, 30)),
            ("in Q3", date(2026, 6, 30)),  # Apple's fiscal Q3: April to June
            ("in fiscal 2026", date(2026, 9, 30)),
            ("next year", date(2027, 9, 30)),
        ],
    )
    def test_fiscal_periods_follow_the_sources_fiscal_year(self, phrase, latest):
        horizon = own_horizon(f"Revenue will grow {phrase}.", Context(date(2026, 1, 29), 10))
        assert horizon.latest == latest

    @pytest.mark.parametrize(
        "text",
        [
            "Prices will return to 2019 levels.",
            "It will be the best since 2019.",
            "In the long term, prices will fall.",
        ],
    )
    def test_years_that_are_not_deadlines(self, text):
        assert own_horizon(text, Context(date(2026, 1, 5))) is None

    @pytest.mark.parametrize(
        ("text", "fiscal_start", "latest"),
        [
            # Apple, 2 Feb 2023: the December quarter just reported is 2022's; March is next
            ("We expect March quarter revenue similar to the December quarter.", 1, (2023, 3, 31)),
            ("Today we report revenue for the December quarter.", 1, None),
            # Oracle (fiscal year from June), 11 June 2024: Q4 is the quarter just ended
            ("A large company signed a contract in Q4.", 6, None),
        ],
    )
    def test_a_quarter_just_ended_is_the_one_being_reported(self, text, fiscal_start, latest):
        published = date(2023, 2, 2) if fiscal_start == 1 else date(2024, 6, 11)
        horizon = own_horizon(text, Context(published, fiscal_start))
        assert (horizon.latest if horizon else None) == (date(*latest) if latest else None)

    def test_a_forecast_naming_a_date_does_not_date_the_whole_text(self):
        text = (
            "Opening words of the conference.\n\nInflation is forecast to be back in the band "
            "by the end of 2026.\n\nWe expect consumption to start picking up."
        )
        proposals = one(text, date(2024, 11, 5))
        assert [p.deadline for p in proposals] == [date(2026, 12, 31), None]

    def test_guidance_introduced_for_a_quarter_dates_the_sentences_after_it(self):
        text = (
            "Good afternoon.\n\nLet me turn to the outlook for the third quarter.\n\n"
            "Total revenue is expected to be $32.5 billion.\n\nWhat do you see next?\n\n"
            "This AI race is going to go on for a long time."
        )
        proposals = one(text, date(2024, 8, 28), fiscal_year_start_month=2)
        assert [p.deadline for p in proposals] == [date(2024, 10, 31), None]

    def test_an_outlook_named_mid_paragraph_dates_what_follows_it(self):
        # A transcript's long turn is one paragraph: "our Q4 outlook" replaces the date an
        # earlier sentence of the same turn carried.
        text = (
            "Good afternoon. Our bookings will grow in the next 12 months. Now, moving to our "
            "Q4 outlook, which is on a U.S. dollar basis. We expect FX to decrease revenue "
            "growth by one point."
        )
        proposals = one(text, date(2024, 4, 25), fiscal_year_start_month=7)
        assert [p.deadline for p in proposals] == [date(2025, 4, 25), date(2024, 6, 30)]

    def test_the_latest_of_several_dates_is_the_deadline(self):
        horizon = own_horizon(
            "Inflation is 2.3% this year and 2.0% next year.", Context(date(2026, 3, 5))
        )
        assert horizon.latest == date(2027, 12, 31)

    def test_a_document_titled_as_predictions_for_a_year_dates_its_forecasts(self):
        text = (
            "Some opening words here.\n\nThe Fed will cut rates.\nGold will top $3000 by mid-2027."
        )
        proposals = one(text, date(2025, 12, 28), title="My predictions for 2026")
        assert [p.deadline for p in proposals] == [date(2026, 12, 31), date(2027, 6, 30)]
        assert proposals[0].horizon.source == "document"

    @pytest.mark.parametrize(
        ("heading", "latest"),
        [
            ("Technology 5-10 Years Out", date(2028, 1, 9)),
            ("Over The Next 1-3 years", date(2021, 1, 9)),
            ("10+ years out", None),  # no sooner than ten years: no deadline
            ("10 or more years", None),
        ],
    )
    def test_section_headings_with_a_span(self, heading, latest):
        assert heading_horizon(heading, Context(date(2018, 1, 9))).latest == latest

    def test_a_date_said_around_a_day_is_that_day(self):
        text = (
            "Intro.\n\nThe election is November 5, so a winner will be declared around November 8."
        )
        [proposal] = one(text, date(2024, 1, 10))
        assert proposal.deadline == date(2024, 11, 8)

    @pytest.mark.parametrize(
        ("title", "opening", "year"),
        [
            ("Predictions for 2026", "", 2026),
            ("2026 outlook", "", 2026),
            ("Equity Market Outlook 1Q 2025", "", 2025),
            ("A post", "Here is what 2025 has in store:", 2025),
            ("My bets on open models, mid-2026", "", None),
            ("Probability Estimates: 2024 \u2013 Commentary", "", 2024),
            ("Picks and Predictions 2018", "", 2018),
            ("NBA Preview 2014-15", "", None),  # a season: the league's calendar
        ],
    )
    def test_document_horizons(self, title, opening, year):
        horizon, _ = document_horizon(title, opening)
        assert (horizon.latest.year if horizon else None) == year

    def test_a_window_after_the_claim_before_it(self):
        proposals = one(
            "Labs will struggle later this year. Capabilities will lag 3-9 months later."
        )
        assert (proposals[1].horizon.earliest, proposals[1].deadline) == (
            date(2027, 3, 31),
            date(2027, 9, 30),
        )

    def test_a_paragraph_carries_its_date_to_the_sentences_after_it(self):
        proposals = one("For Q2, we expect revenue to grow 10%. We expect margins to expand.")
        assert [p.deadline for p in proposals] == [date(2026, 6, 30), date(2026, 6, 30)]


class TestDrafts:
    def test_a_draft_is_a_question_with_criteria_and_a_closing_date(self):
        [proposal] = one("Open models will be adopted in automation by 2027.")
        draft = draft_question(
            proposal, source_title="Bets", author="Nathan Lambert", published_on=date(2026, 1, 5)
        )
        assert draft.title == "Will open models be adopted in automation by 31 Dec 2027?"
        assert draft.closes_on == date(2027, 12, 31)
        assert "Resolves Yes if" in draft.resolution_criteria
        assert "Open models will be adopted in automation by 2027." in draft.resolution_criteria
        assert draft.implied_probability == 0.9

    def test_a_negated_claim_is_asked_affirmatively(self):
        [proposal] = one("Open models won't keep up with closed labs.")
        draft = draft_question(
            proposal, source_title="Bets", author="", published_on=date(2026, 1, 5)
        )
        assert draft.title == "Will open models keep up with closed labs?"
        assert draft.implied_probability == pytest.approx(0.1)

    @pytest.mark.parametrize(
        ("claim", "kind"),
        [
            ("Downloads of Chinese models will pass U.S. ones by 2027.", "huggingface"),
            ("Congress will pass a law banning open weights by 2027.", "federal_register"),
            ("Unemployment will rise above 5% by 2027.", "http_json"),
        ],
    )
    def test_a_source_kind_is_suggested_from_the_claims_words(self, claim, kind):
        [proposal] = one(claim)
        draft = draft_question(proposal, source_title="t", author="", published_on=date(2026, 1, 5))
        assert draft.suggested_source_kind == kind


class TestQuestionTitles:
    @pytest.mark.parametrize(
        ("quote", "question"),
        [
            ("The Fed will cut rates twice.", "Will the Fed cut rates twice"),
            ("Open models won't keep up.", "Will open models keep up"),
            (
                "I expect that Chinese labs will face funding difficulties.",
                "Will Chinese labs face funding difficulties",
            ),
            ("We expect revenue to grow 10%.", "Will revenue grow 10%"),
            ("Data centre spending is expected to surge.", "Will data centre spending surge"),
            ("There will be more safety shocks.", "Will there be more safety shocks"),
            ("US enters a recession: 10%", "Will US enter a recession"),
            ("3. Gold tops $3000 (60%)", "Will gold top $3000"),
            ("Invades Taiwan", "Will “Invades Taiwan” come true"),
            ("So, in particular, prices should fall; rents are high.", "Will prices fall"),
            (
                "The companies that ship fastest will win.",
                "Will the companies that ship fastest win",
            ),
            (  # the modal is inside the sentence's complement, not said of its subject
                "This answer is a form of saying they won't keep up in every area.",
                "Will this answer be a form of saying they won't keep up in every area",
            ),
        ],
    )
    def test_claims_are_asked_affirmatively(self, quote, question):
        assert as_question(quote) == question


class TestTheTable:
    def test_every_entry_is_documented(self):
        data = json.loads(TABLE_PATH.read_text(encoding="utf-8"))
        for raw in data["entries"]:
            assert raw["source"].split(":")[0] in data["references"], raw
            assert isinstance(raw["rank"], int) and isinstance(raw["cue"], bool)

    def test_weak_words_carry_no_number(self):
        table = claims.default_table()
        for label in ["may", "might", "could", "can"]:
            assert table[label].weak and table[label].probability is None

    def test_the_table_is_data_that_can_be_extended(self, tmp_path: Path):
        data = json.loads(TABLE_PATH.read_text(encoding="utf-8"))
        data["entries"].append(
            {"phrase": "odds-on", "probability": 0.8, "rank": 3, "cue": True, "source": "test"}
        )
        path = tmp_path / "table.json"
        path.write_text(json.dumps(data), encoding="utf-8")
        table = EstimativeTable.from_file(path)
        assert table.best("It is odds-on to rain.").probability == 0.8

    def test_a_bad_table_is_refused(self):
        with pytest.raises(ValueError, match="no source"):
            EstimativeTable([{"phrase": "x", "probability": 0.5, "rank": 0, "cue": True}])
        with pytest.raises(ValueError, match="negation_of"):
            EstimativeTable(
                [{"phrase": "x", "negation_of": "y", "rank": 0, "cue": True, "source": "s"}]
            )


def test_the_finder_imports_nothing_from_django():
    for path in Path(claims.__file__).parent.glob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        modules = {
            node.module if isinstance(node, ast.ImportFrom) else alias.name
            for node in ast.walk(tree)
            if isinstance(node, ast.Import | ast.ImportFrom)
            for alias in node.names
        }
        assert not any(str(m).split(".")[0] == "django" for m in modules), path
        assert all(
            not str(m).startswith("registry.") or str(m).startswith("registry.claims")
            for m in modules
        ), path


class TestOddInput:
    @pytest.mark.parametrize(
        "text",
        [
            "",
            "   \n\n ",
            "?" * 5000,
            "Prices will fall.\x00 Rates will rise.",
            "x\ud800 will fall.",
            "Humans will reach Mars in 900 centuries.",
            "We land by 2030. 999 centuries later we will leave the galaxy.",
        ],
    )
    def test_odd_text_never_breaks_the_finder(self, text):
        for proposal in find_claims(text, date(2026, 1, 1)):
            assert text[proposal.start : proposal.end] == proposal.quote

    def test_a_wall_of_text_is_read_in_pieces(self):
        text = "word " * 4_500 + ". Prices will fall next year."  # over MAX_BLOCK_CHARS
        [proposal] = find_claims(text, date(2026, 1, 1))
        assert proposal.quote.endswith("Prices will fall next year.")


class TestListsOfBets:
    def test_a_probability_alone_on_the_next_line(self):
        text = (
            "World events\nAssad will remain President of Syria:\n95%\n"
            "…in any First World country:\n80%\n"
        )
        proposals = one(text, date(2019, 1, 2), title="2019 predictions")
        assert [(p.quote, p.implied_probability) for p in proposals] == [
            ("Assad will remain President of Syria:", 0.95),
            ("…in any First World country:", 0.8),  # continues the claim before
        ]

    def test_decimal_probabilities_after_a_colon(self):
        [proposal] = one("My 2024 bets\n\nThe S&P 500 closes the year higher: 0.72\n")
        assert (proposal.implied_probability, proposal.probability_stated) == (0.72, True)

    def test_a_bet_and_its_comment_on_one_line(self):
        proposals = one("Predictions.\n\nI will buy a car: 95% I have been to dealerships.\n")
        assert [p.quote for p in proposals] == ["I will buy a car: 95%"]

    def test_lines_under_a_dated_heading_are_bets(self):
        text = (
            "What will happen? I will tell you.\n"
            "By 2025\nRuth Bader Ginsburg is dead.\nS&P 500 closes above 3,500.\n"
            "Chinese Communist Party represented in Hong Kong government.\n"
        )
        proposals = one(text, date(2020, 1, 5), title="Predicting the Future from 2020")
        assert [p.deadline for p in proposals[-3:]] == [date(2025, 12, 31)] * 3

    def test_a_section_heading_dates_the_forecasts_under_it(self):
        text = "An intro about tech.\n\nWithin a Year\n\nCompanies will hire more.\n"
        [proposal] = one(text, date(2022, 11, 11))
        assert proposal.deadline == date(2023, 11, 11)


class TestSeasonPreviews:
    def test_picks_close_at_the_end_of_the_leagues_season(self):
        text = (
            "The NFL season starts Thursday, and the AFC looks open.\n\n"
            "1. Chiefs (Playoffs)\n2. Chargers\n\nThe Lions will win the Super Bowl.\n"
        )
        proposals = one(text, date(2024, 9, 3), title="NFL Season Preview & Predictions")
        assert [p.deadline for p in proposals] == [
            date(2025, 1, 6),
            date(2025, 1, 6),
            date(2025, 2, 10),  # the final, when the pick names it
        ]

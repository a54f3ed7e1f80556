"""The lexicon of stage 2 (screening): the words and patterns that mark a unit as a
forecast ("will", "expected to", a pick in a season preview) or refuse it (a question, a
caption, the event talking about itself, a commitment, a conditional). Data only: the
decisions that use it are in `screening`, the reading of the parse in `clauses`."""

from __future__ import annotations

import re

SAY = r"(?:'ll|\s+will|\s+am\s+going\s+to|'m\s+going\s+to|\s+are\s+going\s+to|'re\s+going\s+to|\s+would\s+like\s+to|'d\s+like\s+to|\s+want\s+to)"  # noqa: E501
META = [
    r"\b(?:this|the\s+next|my\s+next|another|a\s+future|an\s+upcoming|a\s+follow-up)\s+"
    r"(?:post|piece|newsletter|episode|thread|series|chapter|section|talk|video|podcast|call|"
    r"presentation|slide)s?\b",
    r"\bsubscribe\b|\blet\s+me\s+know\b|\bstay\s+tuned\b|^(?:and\s+)?(?:thank\s+you|thanks)\b",
    rf"\b(?:I|we){SAY}\s+(?:now\s+)?(?:discuss|cover|explain|argue|show|walk|look\s+at|talk|"
    r"write|describe|outline|go\s+over|share|review|summari[sz]e|turn|hand|open|start|begin|"
    r"move\s+on|update\s+you|revisit|score|grade|answer|repeat|highlight|provide|give\s+you|"
    r"be\s+happy|pass|comment|elaborate|return|check|make\s+a\s+few|have\s+more\s+to\s+say|"
    r"tell\s+you|take\s+(?:your\s+)?questions|point\s+you|say\s+(?:a\s+few|more))\b",
    r"\bforward[-\s]looking\s+statements?\b|\bsafe\s+harbor\b|\bactual\s+results\s+(?:may|could)\b",
    r"\b(?:here\s+(?:are|is)|here's|below\s+are|these\s+are|the\s+following\s+are)\b[^.]{0,50}"
    r"\b(?:predictions?|forecasts?|bets?|calls|picks|thoughts)\b",
    r"\bturn\s+(?:it|the\s+call|things)\s+(?:back\s+)?over\b|\bopen\s+(?:it\s+)?up\s+for\s+questions\b|"
    r"\bnext\s+question\b|\bhappy\s+to\s+take\s+(?:your\s+)?questions\b",
    r"\bunless\s+otherwise\s+(?:stated|noted)\b|\bpredictions\s+are\s+about\b",
    # about the predictions themselves: "my predictions will mostly happen in tech",
    # "my range will be 5% to 95%"
    r"\b(?:my|our|these|the)\s+(?:predictions|forecasts|bets|range|list|picks)\s+"
    r"(?:will|won't|are\s+going\s+to)\b",
    # the call itself and its reminders: "we will go ahead and take our first question"
    r"\b(?:take|open\s+(?:the\s+call|the\s+line|it|the\s+floor)\s+(?:up\s+)?for)\s+"
    r"(?:our\s+|the\s+|your\s+)?(?:first\s+|next\s+)?questions?\b|^as\s+a\s+reminder\b|"
    r"\bmay\s+be\s+more\s+or\s+less\b|^(?:and\s+)?as\s+always\b",
    r"^\W*(?:my|our|the)\s+(?:[\w-]+\s+){0,3}(?:predictions|forecasts|bets|picks|calls)\s+"
    r"(?:for|about|on)\b[^.!?]{0,40}[:.]?\s*$",
    # predicting as an activity: "I am making a set of predictions for 2019", "publishes
    # predictions for the year", "I will rate my predictive success"
    r"\b(?:making|make|made|publish(?:es|ed|ing)?|rate|rating|score|scoring|grade|grading|"
    r"based\s+on)\b[^.]{0,40}\b(?:predictions|forecasts|predictive|calibration)\b",
    r"^(?:read|give|take|see|click|sign\s+up|fill\s+out|check\s+out|join|vote)\b[^.]*\bhere\b|"
    r"\b(?:is|are)\s+here\s*[.!]?$",
    r"\b(?:the\s+following|as\s+follows)\s*:\s*$|\blet(?:'s|\s+me|\s+us)\s+(?:now\s+)?(?:take|"
    r"look|get|start|begin|see|review|move|turn|dive|jump|go|close|end|recap|summari[sz]e)\b",
    # the call or the event itself: operators, webcasts, replays, the Q&A, conferences
    r"\b(?:conference\s+)?operator\b|\bwebcast\b|\breplay\b|\bquestion[-\s]and[-\s]answer\b|"
    r"\bQ&A\b|\b(?:earnings|conference)\s+call\b[^.]*\bscheduled\b|\bwill\s+be\s+(?:attending|"
    r"presenting|participating|hosting)\b|\binvestor\s+day\b",
    # the call's own running order and filings: "he'll be followed by our CFO", "Dave will
    # go into these charges shortly", "the 10-Q will be available tomorrow"
    r"(?:\bwill\s+|'ll\s+)be\s+(?:followed|joined)\s+by\b|\bwill\s+(?:go|walk)\s+(?:into|through)\b[^.]*"
    r"\b(?:detail|shortly|later|in\s+a\s+moment)\b|\bwill\s+be\s+(?:available|posted|published|"
    r"filed)\b[^.]*\b(?:website|site|tomorrow|10-?Q|10-?K|investor\s+relations)\b",
    r"\bremains\s+to\s+be\s+seen\b|\bonly\s+time\s+will\s+tell\b",
    # who speaks and when: "Joining us on today's call will be …", "more detail later in
    # the call", "our first question will come from the line of …"
    r"\bjoining\s+(?:us|me)\b|\blater\s+(?:in|on)\s+(?:the|this|today's)\s+call\b|"
    r"\bfrom\s+the\s+line\s+of\b",
    # disclaimers
    r"\bmay\s+differ\s+(?:materially|significantly)\b|\billustrative\s+purposes\b|"
    r"\bstatements?\s+(?:are|is)\s+made\s+as\s+of\b|\bnot\s+(?:a\s+)?guarantee\b|"
    r"\bpast\s+performance\b|\bno\s+obligation\s+to\s+update\b",
]
META_PATTERNS = [re.compile(pattern, re.I) for pattern in META]
QUESTION_START = re.compile(
    r"^(?:I\s+wonder|I'm\s+wondering|can\s+you|could\s+you|would\s+you|do\s+you|did\s+you|"
    r"are\s+you|how\s+do\s+you|what\s+do\s+you|is\s+there\s+any)\b",
    re.I,
)
# "## FIGURE 2: ...", "Exhibit 3:", "*Long-run projections are ...", "Source: ..."
CAPTION = re.compile(
    r"^(?:#+\s*)?(?:source|sources|note|notes|table\s+\d+[a-z]?)\s*"
    r"(?:\d+[a-z]?\s*)?[:.\u2013\u2014-]|^\*+[A-Za-z]|^\(?\d{1,2}\)\s*(?:source|note)\b",
    re.I,
)
TAG_QUESTION = re.compile(r",?\s*(?:right|isn't\s+it|don't\s+you\s+think|no)\?[\"')\]]*\s*$", re.I)
FUTURE_WORDS = re.compile(
    r"\beventually\b|\b(?<!as )(?:soon|shortly)\b(?!\s+as\b)|\bin\s+the\s+(?:coming|next)\s+"
    r"(?:few\s+|couple\s+of\s+)?(?:days|weeks|months|quarters|years|decades?)\b|"
    r"\bgoing\s+forward\b|\bfrom\s+now\s+on\b|\bin\s+the\s+future\b|\bin\s+years\s+to\s+come\b|"
    r"\b(?:is|are)\s+about\s+to\b|\bnot\s+(?:that\s+|too\s+|so\s+)?far\s+off\b|"
    r"\bwithin\s+(?:reach|grasp)\b|\bon\s+the\s+(?:table|horizon|way)\b|\bin\s+the\s+cards\b|"
    r"\bwhat(?:'s|\s+is)\s+coming\b|\b(?:lies?|lying)\s+ahead\b|\bahead\s+of\s+us\b|"
    r"\b(?:years?|months?|weeks?|quarters?|days?|decades?|road|period|times?)\s+ahead\b|"
    r"\b(?:starting|beginning)\s+(?:in|from|next|this|later)\b",
    re.I,
)
# In a season preview, the present tense picks: "Chiefs are clear number 1", "I like them
# in the regular season", "... OVER".
SPORTS_PICK = re.compile(
    r"\b(?:OVER|UNDER)\.?\s*$|\b(?:I|we)(?:'m|\s+am|\s+are)?\s+(?:like|pick|picking|take|taking|"
    r"have|give|went\s+with|go\s+with|chose|choose|put|decided\s+to\s+put|see)\s+(?:the\s+)?"
    r"(?:them|him|[A-Z]\w+)|\b(?:is|are)\s+(?:a\s+|the\s+)?(?:clear\s+|solid\s+|distant\s+)?"
    r"(?:number\s+\d|No\.\s*\d|#\d|\d(?:st|nd|rd|th)|first|second|third|fourth|fifth|last)\b"
    r"(?:\s+(?:seed|place|in\s+the\b))?",
)
# A note under a bet about how it is read, not a bet: "This is mostly based on which states
# vote", "This hinges on the definition of 'know'", "Note that ...", "By 'normally' I mean".
BET_NOTE = re.compile(
    r"^\W*(?:(?:this|that|it)(?:'s|\s+is|\s+was)?\s+(?:mostly\s+|largely\s+|partly\s+|also\s+)?"
    r"(?:based|hinges?|reflects?|depends?|assumes?|includes?|excludes?|counts?|means?|refers?|"
    r"can\s+(?:either\s+)?be|will\s+be\s+(?:a\s+)?(?:really\s+)?hard)\b|note\b|see\s|"
    r"by\s+\W?\w+\W?\s+I\s+(?:simply\s+|just\s+)?mean\b|there'?s\s+(?:a\s+little\s+|some\s+)?leeway\b)",
    re.I,
)
# A team's name alone, with an optional seed: "Tampa Bay Lightning", "Boston Bruins (WC2)".
TEAM_LINE = re.compile(
    r"(?:[A-Z][\w.'\u2019&-]*\s+){0,3}[A-Z][\w.'\u2019&-]*(?:\s+\([^()]{1,20}\))?"
)
PROJECTION = re.compile(
    r"\b(?:projections?|projected|forecasts?|outlook|estimates?|expectations?|guidance|"
    r"baseline|SEP|scenarios?)\b",
    re.I,
)
# Verbs of doing: "we will <verb>" is a commitment of the speaker's, not a forecast.
ACTION_VERBS = frozenset(
    [
        "do",
        "continue",
        "remain",
        "work",
        "provide",
        "update",
        "take",
        "keep",
        "monitor",
        "watch",
        "discuss",
        "turn",
        "talk",
        "share",
        "give",
        "focus",
        "act",
        "respond",
        "proceed",
        "hand",
        "pass",
        "try",
        "seek",
        "strive",
        "aim",
        "ensure",
        "support",
        "follow",
        "assess",
        "evaluate",
        "review",
        "consider",
        "decide",
        "adjust",
        "cover",
        "walk",
        "explain",
        "answer",
        "prioritize",
        "prioritise",
        "commit",
        "pursue",
        "maintain",
        "address",
        "stay",
        "make",
        "move",
        "find",
        "wait",
        "rate",
        "judge",
        "determine",
        "set",
        "echo",
        "begin",
        "start",
        # a company's own conduct: "we will manage that signal", "we will integrate ..."
        "manage",
        "integrate",
        "communicate",
        "execute",
        "invest",
        "optimize",
        "streamline",
        "restructure",
        "hire",
    ]
)
CHANGE_VERBS = frozenset(
    [
        "spur",
        "dominate",
        "drive",
        "lead",
        "cause",
        "accelerate",
        "become",
        "reshape",
        "transform",
        "replace",
        "overtake",
        "surpass",
        "unlock",
        "push",
        "bring",
        "trigger",
        "boost",
        "reduce",
        "increase",
        "hurt",
        "fuel",
        "create",
        "emerge",
        "erode",
        "shift",
        "win",
        "lose",
        "collapse",
        "crash",
        "rise",
        "fall",
        "grow",
        "decline",
        "rebound",
        "slow",
        "speed",
        "outpace",
        "disrupt",
        "come",
        "go",
        "improve",
        "worsen",
        "move",
        "return",
        "climb",
        "drop",
        "reach",
        "exceed",
        "hit",
        "surge",
        "change",
        "happen",
    ]
)
EXPECTING = frozenset(
    ["expect", "anticipate", "predict", "forecast", "project", "foresee", "bet", "wager"]
)
# What "we (do not) see a ..." calls: "we do not see a recession", "we see a rebound".
EVENT_NOUNS = frozenset(
    {"recession", "slowdown", "downturn", "contraction", "depression", "crash", "collapse"}
    | {"rebound", "recovery", "turnaround", "upturn", "boom", "bubble", "default", "crisis"}
    | {"cut", "hike", "increase", "decline", "rise", "fall", "drop", "surge", "spike"}
)
# "I guess that's what I'd emphasise" is not a call: these need a future in what follows.
JUDGING = frozenset(["think", "believe", "suspect", "reckon", "estimate", "see", "doubt", "guess"])
# "We'll be alert to it", "we will be ready": the speaker's stance, not an event.
STANCES = frozenset(
    {"alert", "vigilant", "ready", "prepared", "watchful", "attentive", "mindful", "patient"}
    | {"careful", "cautious", "open", "happy", "glad", "watching", "looking"}
    | {"focused", "committed", "disciplined", "measured", "thoughtful", "prudent", "flexible"}
)
STATIVE = frozenset(["be", "have", "seem", "appear", "look", "feel", "mean", "matter"])
STATE_VERBS = STATIVE | {"mark", "represent", "include", "contain", "stand"}
# Clauses whose content the sentence does not assert. Not "while" or "although": "While we
# expect growth of 1%, this is lower than before" asserts the expectation.
SUBORDINATORS = frozenset(
    [
        "if",
        "when",
        "whether",
        "unless",
        "once",
        "until",
        "before",
        "after",
        "whenever",
        "as",
    ]
)
WH = frozenset(["what", "how", "where", "which", "whether", "when", "why", "who", "whom"])
ATTRIBUTION = re.compile(
    r"(?:^|[,;]\s*|\s)(?:(?P<after>said|says|told|wrote|writes|argues|argued|predicts|predicted|"
    r"warned|warns|added|noted|explained)\s+(?P<who>[A-Z][\w.'-]*(?:\s+[A-Z][\w.'-]*){0,3}))|"
    r"(?P<who2>[A-Z][\w.'-]*(?:\s+[A-Z][\w.'-]*){0,3})\s+(?:said|says|told|wrote|writes|argues|"
    r"predicts|predicted|warned|warns|expects|believes|forecasts|projects|noted)\b|"
    r"according\s+to\s+(?P<who3>[A-Z][\w.'-]*(?:\s+[A-Z][\w.'-]*){0,3})"
)
NOT_SPEAKERS = frozenset({"i", "we", "you", "they", "he", "she", "it", "this", "that", "the"})
FIRST_PERSON = frozenset({"i", "we", "us", "our", "my"})
# Who acts, not what happens: "the Committee will assess", "policy will adjust".
INSTITUTIONS = frozenset({"committee", "board", "fed", "policy", "management", "company"})
# Who is advised: "investors should remain vigilant", "you will need a GPU".
ADVISED = FIRST_PERSON | {"you", "investors", "clients", "savers", "everyone", "people", "one"}
ADVISED |= {"businesses", "companies", "firms", "policymakers", "governments", "readers"}
READERS = frozenset({"you", "investors", "clients", "savers", "readers"})
# "X should consider": advice whoever X is, not an expectation.
ADVICE_VERBS = frozenset(
    {"consider", "look", "focus", "avoid", "buy", "sell", "invest", "prioritize", "own"}
    | {"think", "note", "expect", "take", "watch", "add", "remember", "beware", "aim"}
)
# "That will become the most important question", "this will be a hard one to judge".
EVALUATIVE_NOUNS = frozenset(
    {"question", "thing", "key", "issue", "point", "one", "time", "opportunity", "test"}
    | {"challenge", "focus", "factor", "consideration", "priority"}
)
RATE_PATH = frozenset({"raise", "cut", "hike", "lower", "stay", "hold", "reduce", "increase"})

FORECAST_NOUN = r"(?:forecasts?|guidance|outlook|projections?|estimates?|predictions?)"

PERIOD_NAME = re.compile(r"\b(?:[QH][1-4]|FY\s?'?\d{2,4}|(?:19|20)\d{2}s?)\b|'\d{2}\b", re.I)

REPORTED_PROJECTION = re.compile(
    r"\b(?:(?:median|baseline|central|our|the)\s+)?(?:projections?|forecasts?|guidance|estimates?)\b"
    r"[^.;]{0,80}?\b(?:is|are|stands?|comes?\s+in|of|at)\b[^.;]{0,40}?\d|"
    # an outlook's table line: "Indonesia - GDP Forecast 5.3%", "CPI forecast: 2.0%"
    r"\b(?:forecasts?|projections?)\s*[:\u2013-]?\s*[-+\u2212]?\d+(?:\.\d+)?\s*(?:%|percent|per\s+cent)",
    re.I,
)

# "If X, Y will", also after a connective ("However, if ...", "At the same time, if ...")
# or a judging verb ("I think if I were to ...").
LEADING_CONDITION = re.compile(
    r"(?:(?:and|but|so|now|even|only|also|however|then|still|yet|otherwise|similarly|"
    r"conversely|at\s+the\s+same\s+time|in\s+that\s+case|of\s+course|I\s+think|we\s+think)"
    r",?\s+){0,3}(if|unless)\b",
    re.I,
)
# "If the economy evolves as projected, ...": the premise is the forecast itself.
BASELINE_PREMISE = re.compile(
    r"[^,;]{0,60}\b(?:evolves?|proceeds?|unfolds?|develops?|goes|turns\s+out)\s+(?:broadly\s+)?"
    r"(?:as|in\s+line\s+with)\s+(?:projected|expected|anticipated|forecast|we\s+expect)|"
    r"[^,;]{0,60}\bremains?\s+(?:the\s+same|unchanged|stable|at\s+(?:current|today's)\s+levels)",
    re.I,
)
# "In some scenarios ...", "Under these contrasting scenarios ...": one branch of several,
# unlike "in all scenarios" or "even under the very low emissions scenario".
SCENARIO = re.compile(
    r"(?:^|(?<!even)\s)(?:in|under)\s+(?:some|these|those|such|contrasting|the\s+(?:very\s+)?"
    r"(?:high|low)\w*|scenarios\s+with)\b[^,.;]{0,60}?\bscenarios?\b",
    re.I,
)

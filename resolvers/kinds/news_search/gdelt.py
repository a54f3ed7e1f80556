"""GDELT DOC 2.0 (``/api/v2/doc/doc?mode=ArtList&format=json``): the dates it can search,
its answer read strictly, and its rate limit kept.

GDELT documents a rolling window of the last 3 months: a search is clamped to it, and the
explanation says which part of the configured window was left out. Its ArtList answer is
``{"articles": [{"url", "url_mobile", "title", "seendate": "20261120T101500Z",
"socialimage", "domain", "language", "sourcecountry"}]}``. When nothing matches it answers
``{}``, and a query it refuses gets a short text message (HTML, status 200) instead of
JSON: that message is reported as it is, since it cannot be told apart from other failures.
"""

from __future__ import annotations

import json
import logging
import re
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs, urlsplit

from django.core.cache import cache

from resolvers.fetcher import FetchError, FetchResult
from resolvers.kinds.errors import EvaluationError
from resolvers.kinds.values import decode_text, parse_when, short, show_when

logger = logging.getLogger(__name__)

# GDELT searches "the last 3 months"; a day's margin keeps the start inside it.
LOOKBACK = timedelta(days=89)
STAMP = "%Y%m%d%H%M%S"  # startdatetime / enddatetime
SEEN = re.compile(r"^\d{8}T\d{6}Z$")  # an article's seendate


# --- Dates -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Window:
    """The dates a search asks GDELT for, and the configured window they come from."""

    start: datetime
    end: datetime
    since: datetime | None
    until: datetime | None  # the last instant that counts

    @property
    def counted(self) -> tuple[datetime, datetime]:
        """The dates whose articles count: the part asked for inside the configured window."""
        start = max(self.start, self.since) if self.since else self.start
        end = min(self.end, self.until) if self.until else self.end
        return start, end

    @property
    def not_begun(self) -> bool:
        return self.since is not None and self.since > self.end

    @property
    def left_out(self) -> str:
        """The part of the configured window before the 3 months GDELT searches, if any."""
        if self.since is None or self.not_begun or self.since >= self.start:
            return ""
        return f"{show_when(self.since)} to {show_when(self.start)}"


def search_window(config: dict, now: datetime) -> Window:
    """The last 3 months (GDELT's reach) within [since, until]. A window that has not
    begun asks for the last day, whose articles then do not count; one that ended before
    GDELT's reach cannot be searched at all (EvaluationError)."""
    now = now.astimezone(UTC).replace(microsecond=0)
    since = parse_when(config.get("since"))
    until = parse_when(config.get("until"), end_of_day=True)
    reach = now - LOOKBACK
    if until is not None and until < reach:
        raise EvaluationError(
            f"the search window ended on {show_when(until)}, more than 3 months ago; GDELT's "
            "DOC API searches only the last 3 months, so it can no longer be asked: staff "
            "decide from the candidates of earlier checks and the criteria's own sources"
        )
    if since is not None and since > now:
        return Window(now - timedelta(days=1), now, since, until)
    start = max(since, reach) if since is not None else reach
    end = min(until, now) if until is not None else now
    return Window(start.replace(microsecond=0), end.replace(microsecond=0), since, until)


def window_asked(evidence: FetchResult, config: dict) -> Window:
    """The window a fetch asked for, read back from the evidence's URL."""
    query = parse_qs(urlsplit(evidence.url).query)
    try:
        start, end = (
            datetime.strptime(query[name][0], STAMP).replace(tzinfo=UTC)
            for name in ("startdatetime", "enddatetime")
        )
    except (KeyError, IndexError, ValueError):
        raise EvaluationError(
            f"the evidence's URL does not say which dates GDELT was asked for ({evidence.url})"
        ) from None
    since = parse_when(config.get("since"))
    until = parse_when(config.get("until"), end_of_day=True)
    return Window(start, end, since, until)


# --- The answer --------------------------------------------------------------------------


@dataclass(frozen=True)
class Article:
    url: str
    title: str
    domain: str
    seen: datetime


# A valid escape (kept) or a lone backslash (doubled): GDELT's titles sometimes carry
# escapes JSON does not allow, such as \' .
_ESCAPE = re.compile(r'\\(["\\/bfnrt]|u[0-9a-fA-F]{4})|\\')


def _loads(text: str, url: str) -> object:
    try:
        return json.loads(text, strict=False)  # strict=False: raw control characters
    except ValueError:
        pass
    repaired = _ESCAPE.sub(lambda m: m.group(0) if m.group(1) else r"\\", text)
    try:
        return json.loads(repaired, strict=False)
    except ValueError as exc:
        raise EvaluationError(f"GDELT did not answer valid JSON ({url}): {exc}") from exc


def _plain(text: str) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", text).split())


def read_articles(evidence: FetchResult) -> list[Article]:
    """The articles of an ArtList answer, in GDELT's order; [] for its no-match ``{}``."""
    text = decode_text(evidence).strip()
    if not text:
        raise EvaluationError(f"GDELT answered an empty body ({evidence.url})")
    if text[0] not in "{[":  # GDELT's message for a query it refused, not JSON
        raise EvaluationError(f"GDELT did not run the search; it answered: {short(_plain(text))}")
    answer = _loads(text, evidence.url)
    if not isinstance(answer, dict):
        raise EvaluationError("GDELT's answer is not a JSON object")
    if "articles" not in answer:
        if answer:
            keys = ", ".join(sorted(map(str, answer)))[:100]
            raise EvaluationError(f"GDELT's answer has no 'articles' list (it has {keys})")
        return []
    if not isinstance(answer["articles"], list):
        raise EvaluationError("GDELT's 'articles' is not a list")
    articles = []
    for position, item in enumerate(answer["articles"]):
        fields = item if isinstance(item, dict) else {}
        url, seen = fields.get("url"), fields.get("seendate")
        if not isinstance(url, str) or not url.strip():
            raise EvaluationError(f"article {position} in GDELT's answer has no url")
        if not isinstance(seen, str) or not SEEN.match(seen):
            raise EvaluationError(
                f"article {position} in GDELT's answer has no seendate like 20261120T101500Z"
            )
        title, domain = fields.get("title"), fields.get("domain")
        articles.append(
            Article(
                url=url.strip(),
                title=" ".join(title.split()) if isinstance(title, str) else "",
                domain=domain.strip().lower() if isinstance(domain, str) else "",
                seen=datetime.strptime(seen, "%Y%m%dT%H%M%SZ").replace(tzinfo=UTC),
            )
        )
    return articles


# --- The rate limit ----------------------------------------------------------------------

# GDELT asks for at most one request every 5 seconds from an address, and the sources of a
# catalogue fall due together: a turn is taken in the shared cache first.
TURN_SECONDS = 6
WAIT_SECONDS = 20  # well inside the check task's time limit
TURN_KEY = "resolvers:gdelt:turn"


def take_turn(url: str) -> None:
    """Wait for this process's turn to ask GDELT; a transient FetchError (the check is
    retried later) when other checks hold it too long."""
    if TURN_SECONDS <= 0:
        return
    give_up = time.monotonic() + WAIT_SECONDS
    while True:
        try:
            if cache.add(TURN_KEY, 1, timeout=TURN_SECONDS):
                return
        except Exception:  # a cache outage must not stop the checks; GDELT may answer 429
            logger.warning("no cache to keep GDELT's rate limit; asking anyway", exc_info=True)
            return
        if time.monotonic() >= give_up:
            raise FetchError(
                f"other checks kept GDELT's one request every 5 seconds busy for "
                f"{WAIT_SECONDS} s; the check is retried",
                reason="rate_limited",
                url=url,
                transient=True,
            )
        time.sleep(0.5)

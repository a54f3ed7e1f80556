"""A local server answering Similarweb's "Visits - Total (Desktop & Mobile)" as documented.

``GET /v1/website/{domain}/total-traffic-and-engagement/visits?start_date=YYYY-MM&
end_date=YYYY-MM&country=world&granularity=monthly&main_domain_only=false&format=json``
with the key in the ``api-key`` header answers::

    {"meta": {"request": {...the query echoed...}, "status": "Success",
              "last_updated": "2028-01-09"},
     "visits": [{"date": "2027-12-01", "visits": 5123456789.37}]}

The documented errors (developers.similarweb.com/docs/error-codes-rest) carry
``meta.error_code`` and ``meta.error_message``: 403 for a wrong key, 401 "Data not found"
for a domain Similarweb holds nothing for, 429 for too many requests, and error 101 "Dates
not in range" for a month not published yet (its HTTP status is not documented; 400 here).
"""

from __future__ import annotations

import re

from tests.resolvers.http_servers import LocalHTTPServer, RecordedRequest, Reply, json_reply

KEY = "sw-test-key-0123456789abcdef"
PATH = re.compile(r"^/v1/website/([^/]+)/total-traffic-and-engagement/visits$")


def error(code: int, message: str, status: int | None = None) -> Reply:
    meta = {"status": "Error", "error_code": code, "error_message": message}
    return json_reply({"meta": meta}, status if status is not None else code)


class _EveryWebsite(dict):
    """Routes for every domain's visits path."""

    def __init__(self, handler) -> None:
        super().__init__()
        self.handler = handler

    def get(self, path, default=None):
        return self.handler if PATH.match(path) else super().get(path, default)


class FakeSimilarweb:
    """Monthly total visits by (domain, month). A domain without a figure for the month
    answers 401 "Data not found"; a month after ``published`` answers error 101;
    ``fail(domain, reply)`` makes one domain answer ``reply`` instead."""

    def __init__(self, published: str = "2027-12") -> None:
        self.figures: dict[tuple[str, str], float | None] = {}
        self.failures: dict[str, Reply] = {}
        self.published = published
        self.http = LocalHTTPServer().start()
        self.http.routes = _EveryWebsite(self._answer)

    @property
    def base_url(self) -> str:
        return self.http.base_url

    def serve(self, month: str, figures: dict[str, float | None]) -> None:
        for domain, visits in figures.items():
            self.figures[(domain, month)] = visits

    def fail(self, domain: str, reply: Reply) -> None:
        self.failures[domain] = reply

    def asked(self) -> list[str]:
        """The domains asked for, in order."""
        return [PATH.match(request.path).group(1) for request in self.http.requests]

    def _answer(self, request: RecordedRequest) -> Reply:
        if request.headers.get("api-key") != KEY:
            return error(403, "Invalid API key")
        domain = PATH.match(request.path).group(1)
        query = {name: values[0] for name, values in request.query.items()}
        if domain in self.failures:
            return self.failures[domain]
        month = query.get("start_date", "")
        assert query.get("end_date") == month and query.get("granularity") == "monthly"
        if month > self.published:
            return error(
                101,
                f"Dates not in range. Data is available from 2024-12 to {self.published}.",
                400,
            )
        if (domain, month) not in self.figures:
            return error(401, "Data not found")
        visits = self.figures[(domain, month)]
        request_echo = {
            "domain": domain,
            "start_date": month,
            "end_date": month,
            "country": query.get("country"),
            "format": "json",
            "granularity": "monthly",
            "main_domain_only": query.get("main_domain_only") == "true",
        }
        return json_reply(
            {
                "meta": {
                    "request": request_echo,
                    "status": "Success",
                    "last_updated": "2028-01-09",
                },
                "visits": [{"date": f"{month}-01", "visits": visits}],
            }
        )

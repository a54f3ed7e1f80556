"""The safe fetcher against real HTTP servers on 127.0.0.1: responses, redirects, time and size
limits, URLs and TLS. What it refuses to reach is in test_fetcher_probes.py."""

from __future__ import annotations

import contextlib
import gzip
import hashlib
import ipaddress
import shutil
import socket
import ssl
import subprocess
import threading
import time

import pytest
import urllib3.util.connection
from requests_hardened import ip_filter_adapter

from resolvers import fetcher
from resolvers.fetcher import FetchError, fetch
from tests.resolvers.http_servers import Reply, json_reply, redirect, repeated, serve

MAX_BYTES = 64 * 1024


@pytest.fixture(autouse=True)
def _fetcher_settings(settings):
    settings.RESOLVER_ALLOWED_HOSTS = ["127.0.0.1"]
    settings.RESOLVER_CONNECT_TIMEOUT = 1.0
    settings.RESOLVER_READ_TIMEOUT = 0.5
    settings.RESOLVER_DEADLINE = 3.0
    settings.RESOLVER_MAX_BODY_BYTES = MAX_BYTES
    settings.RESOLVER_MAX_REDIRECTS = 5


@pytest.fixture
def server():
    with serve() as running:
        yield running


@pytest.fixture
def connect_log(monkeypatch):
    """Every TCP connection urllib3 opens, as (host, port): a spy, the call goes through."""
    log: list[tuple[str, int]] = []
    real = urllib3.util.connection.create_connection

    def create_connection(address, *args, **kwargs):
        log.append(address)
        return real(address, *args, **kwargs)

    monkeypatch.setattr(urllib3.util.connection, "create_connection", create_connection)
    return log


@pytest.fixture
def fake_dns(monkeypatch):
    """Names -> one address (or an OSError to raise); other names resolve as usual."""
    records: dict[str, str | OSError] = {}
    real = socket.getaddrinfo

    def getaddrinfo(host, port, family=0, type=0, proto=0, flags=0):
        name = host.decode() if isinstance(host, bytes) else host
        if name in records:
            record = records[name]
            if isinstance(record, OSError):
                raise record
            address = ipaddress.ip_address(record)
            if address.version == 4:
                return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (record, port))]
            return [(socket.AF_INET6, socket.SOCK_STREAM, 6, "", (record, port, 0, 0))]
        return real(host, port, family, type, proto, flags)

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    return records


def fetch_error(url: str, **kwargs) -> FetchError:
    with pytest.raises(FetchError) as caught:
        fetch(url, **kwargs)
    return caught.value


# --- Responses --------------------------------------------------------------------------------


def test_json_200_with_params_headers_and_fixed_user_agent(server, settings):
    server.routes["/api/models"] = json_reply({"downloads": 1234})

    result = fetch(
        server.url("/api/models"),
        params={"author": "meta llama", "limit": 5},
        headers={"Accept": "application/json", "User-Agent": "spoofed/1.0"},
    )

    assert result.status == 200
    assert result.url == server.url("/api/models?author=meta+llama&limit=5")
    assert result.content_type == "application/json"
    assert result.body == b'{"downloads": 1234}'
    assert result.sha256 == hashlib.sha256(result.body).hexdigest()
    assert 0 <= result.duration_ms < 3000
    (request,) = server.requests
    assert request.query == {"author": ["meta llama"], "limit": ["5"]}
    assert request.headers["accept"] == "application/json"
    assert request.headers["user-agent"] == settings.RESOLVER_USER_AGENT
    assert request.headers["host"] == f"127.0.0.1:{server.port}"
    assert "cookie" not in request.headers


def test_user_agent_has_a_default(server, settings):
    del settings.RESOLVER_USER_AGENT
    server.routes["/"] = json_reply({})
    fetch(server.url())
    assert server.requests[0].headers["user-agent"] == fetcher.DEFAULT_USER_AGENT


def test_user_agent_comes_from_the_setting(server, settings):
    settings.RESOLVER_USER_AGENT = "Hindsight-test/0"
    server.routes["/"] = json_reply({})
    fetch(server.url())
    assert server.requests[0].headers["user-agent"] == "Hindsight-test/0"


@pytest.mark.parametrize("status", [404, 410, 500, 503])
def test_error_statuses_are_results(server, status):
    server.routes["/x"] = Reply(status, {"Content-Type": "text/plain"}, b"nope")
    result = fetch(server.url("/x"))
    assert (result.status, result.body, result.content_type) == (status, b"nope", "text/plain")


def test_redirects_are_followed_and_the_final_url_reported(server):
    server.routes["/a"] = redirect("/b", 301)
    server.routes["/b"] = redirect(server.url("/c"), 307)
    server.routes["/c"] = redirect("d?page=2", 303)
    server.routes["/d"] = json_reply({"ok": True})

    result = fetch(server.url("/a"), params={"q": "1"})

    assert result.status == 200
    assert result.url == server.url("/d?page=2")
    assert result.body == b'{"ok": true}'
    assert [r.target for r in server.requests] == ["/a?q=1", "/b", "/c", "/d?page=2"]


def test_a_redirect_without_location_is_a_result(server):
    server.routes["/r"] = Reply(302, {}, b"moved, somewhere")
    assert fetch(server.url("/r")).status == 302


def test_a_post_query_sends_its_body_and_follows_no_redirect(server):
    server.routes["/query"] = redirect(server.url("/elsewhere"), 307)
    server.routes["/elsewhere"] = json_reply({"rows": []})

    result = fetch(
        server.url("/query"),
        method="POST",
        data=b'{"page": 1}',
        headers={"Content-Type": "application/json"},
    )

    assert result.status == 307  # the body is never replayed to where a redirect points
    (request,) = server.requests
    assert (request.method, request.body) == ("POST", b'{"page": 1}')
    with pytest.raises(ValueError, match="GET or POST"):
        fetch(server.url("/query"), method="DELETE")


def test_redirect_loop_is_cut_at_the_limit(server, settings):
    server.routes["/loop"] = redirect("/loop")
    error = fetch_error(server.url("/loop"))
    assert (error.reason, error.transient) == ("too_many_redirects", False)
    assert server.hits("/loop") == 6  # the first request and five redirects

    settings.RESOLVER_MAX_REDIRECTS = 1
    assert fetch_error(server.url("/loop")).reason == "too_many_redirects"
    assert server.hits("/loop") == 6 + 2


def test_five_redirects_are_allowed(server):
    for hop in range(5):
        server.routes[f"/{hop}"] = redirect(f"/{hop + 1}")
    server.routes["/5"] = json_reply([])
    assert fetch(server.url("/0")).url == server.url("/5")


def test_credentials_are_not_forwarded_to_another_origin(server):
    with serve({"/landing": json_reply({})}) as other:
        server.routes["/same"] = redirect("/elsewhere")
        server.routes["/elsewhere"] = redirect(other.url("/landing"))
        headers = {"Authorization": "Bearer secret", "X-Api-Version": "2"}

        fetch(server.url("/same"), headers=headers)

        assert server.requests[1].headers["authorization"] == "Bearer secret"
        (landed,) = other.requests
        assert "authorization" not in landed.headers
        assert landed.headers["x-api-version"] == "2"
    assert headers == {"Authorization": "Bearer secret", "X-Api-Version": "2"}  # not mutated


def test_allowed_hosts_may_be_names(server, settings, fake_dns):
    settings.RESOLVER_ALLOWED_HOSTS = ["127.0.0.1", "API.Local.Test"]
    fake_dns["api.local.test"] = "127.0.0.1"
    server.routes["/"] = json_reply({"n": 1})

    result = fetch(f"http://api.local.test:{server.port}/")

    assert result.body == b'{"n": 1}'
    assert server.requests[0].headers["host"] == f"api.local.test:{server.port}"


def test_the_hardened_path_connects_to_the_checked_address(
    server, fake_dns, connect_log, monkeypatch, settings
):
    """A non-allowed name goes through requests-hardened and our check; here both are told
    that loopback is fine, to see the request arrive with the name in Host."""
    fake_dns["public.test"] = "127.0.0.1"
    real_filter_host = ip_filter_adapter.filter_host
    monkeypatch.setattr(
        ip_filter_adapter,
        "filter_host",
        lambda host, port, allow_loopback: real_filter_host(host, port, allow_loopback=True),
    )
    monkeypatch.setattr(fetcher, "is_forbidden_address", lambda address: False)
    server.routes["/"] = json_reply({"via": "hardened"})

    result = fetch(f"http://public.test:{server.port}/")

    assert result.body == b'{"via": "hardened"}'
    assert connect_log == [("127.0.0.1", server.port)]
    assert server.requests[0].headers["host"] == f"public.test:{server.port}"
    assert server.requests[0].headers["user-agent"] == settings.RESOLVER_USER_AGENT


# --- Time limits ------------------------------------------------------------------------------


def test_a_server_slow_to_answer_times_out(server):
    server.routes["/slow"] = Reply(200, {}, b"late", delay=5)
    started = time.monotonic()
    error = fetch_error(server.url("/slow"))
    assert (error.reason, error.transient) == ("timeout", True)
    assert time.monotonic() - started < 1.5


def test_a_trickling_body_is_cut_off_by_the_deadline(server):
    # A byte every 50 ms never trips the 0.5 s read timeout; only the deadline stops it.
    server.routes["/trickle"] = Reply(200, {}, repeated(b"x", 10_000), chunk_delay=0.05)
    started = time.monotonic()
    error = fetch_error(server.url("/trickle"), deadline=1.0)
    elapsed = time.monotonic() - started
    assert (error.reason, error.transient) == ("timeout", True)
    assert 0.9 < elapsed < 2.0


def test_trickling_headers_are_cut_off_by_the_deadline(server):
    status_line = b"HTTP/1.1 200 OK\r\nX-Padding: " + b"a" * 1000
    server.routes["/trickle"] = Reply(raw=[bytes([b]) for b in status_line], chunk_delay=0.05)
    started = time.monotonic()
    error = fetch_error(server.url("/trickle"), deadline=1.0)
    assert error.reason == "timeout"
    assert time.monotonic() - started < 2.0


def test_the_deadline_spans_redirects(server):
    for hop in range(5):
        server.routes[f"/{hop}"] = Reply(302, {"Location": f"/{hop + 1}"}, b"", delay=0.3)
    server.routes["/5"] = json_reply({})
    error = fetch_error(server.url("/0"), read_timeout=1.0, deadline=1.0)
    assert error.reason == "timeout"
    assert server.hits("/5") == 0


def test_connection_refused_is_a_transient_connection_error():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    error = fetch_error(f"http://127.0.0.1:{port}/")
    assert (error.reason, error.transient) == ("connection", True)


def test_a_name_that_does_not_resolve_is_a_connection_error(fake_dns):
    fake_dns["nowhere.test"] = socket.gaierror(socket.EAI_NONAME, "Name or service not known")
    error = fetch_error("http://nowhere.test/")
    assert (error.reason, error.transient) == ("connection", True)


def test_a_slow_dns_lookup_is_cut_off_by_the_deadline(monkeypatch):
    """getaddrinfo takes no timeout; the fetch stops waiting for it when its deadline passes."""
    released = threading.Event()
    real_getaddrinfo = socket.getaddrinfo

    def getaddrinfo(host, *args, **kwargs):
        if host == "slow-dns.test":
            released.wait(10)  # a resolver that never answers, until the test ends
            raise socket.gaierror(socket.EAI_AGAIN, "Temporary failure in name resolution")
        return real_getaddrinfo(host, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    started = time.monotonic()
    try:
        error = fetch_error("http://slow-dns.test/", deadline=0.5)
    finally:
        released.set()
    assert (error.reason, error.transient) == ("timeout", True)
    assert "'slow-dns.test'" in error.message
    assert time.monotonic() - started < 1.5  # not the 10 s the lookup would take


# --- Body cap ---------------------------------------------------------------------------------


def test_a_huge_streamed_body_is_aborted_past_the_cap(server):
    server.routes["/huge"] = Reply(200, {}, repeated(b"x" * 8192, 10_000))  # 80 MB, chunked
    started = time.monotonic()
    error = fetch_error(server.url("/huge"))
    assert (error.reason, error.transient) == ("too_large", False)
    assert time.monotonic() - started < 1.0


def test_a_body_until_close_is_aborted_past_the_cap(server):
    server.routes["/huge"] = Reply(200, {}, repeated(b"x" * 8192, 10_000), chunked=False)
    assert fetch_error(server.url("/huge")).reason == "too_large"


def test_a_body_of_exactly_the_cap_is_kept(server):
    server.routes["/full"] = Reply(200, {}, repeated(b"y" * 1024, MAX_BYTES // 1024))
    assert fetch(server.url("/full")).body == b"y" * MAX_BYTES
    assert fetch_error(server.url("/full"), max_bytes=MAX_BYTES - 1).reason == "too_large"


def test_an_announced_length_over_the_cap_is_refused_before_reading(server):
    server.routes["/big"] = Reply(200, {"Content-Length": str(10 * MAX_BYTES)}, [b"tiny"])
    assert fetch_error(server.url("/big")).reason == "too_large"


def test_a_content_length_lying_low_yields_only_the_announced_bytes(server):
    server.routes["/lie"] = Reply(200, {"Content-Length": "5"}, [b"x" * (4 * MAX_BYTES)])
    assert fetch(server.url("/lie")).body == b"xxxxx"


def test_a_content_length_lying_high_is_a_connection_error(server):
    server.routes["/lie"] = Reply(200, {"Content-Length": "1000"}, [b"only ten b"])
    error = fetch_error(server.url("/lie"))
    assert (error.reason, error.transient) == ("connection", True)


def test_a_compressed_bomb_is_capped_after_decoding(server):
    bomb = gzip.compress(b"\0" * (50 * MAX_BYTES))
    assert len(bomb) < MAX_BYTES
    server.routes["/bomb"] = Reply(200, {"Content-Encoding": "gzip"}, bomb)
    assert fetch_error(server.url("/bomb")).reason == "too_large"


def test_a_compressed_body_is_returned_decoded(server):
    server.routes["/gz"] = Reply(200, {"Content-Encoding": "gzip"}, gzip.compress(b"hello"))
    assert fetch(server.url("/gz")).body == b"hello"


# --- Schemes and URLs -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "template",
    [
        "http://user@127.0.0.1:{port}/",
        "http://user:password@127.0.0.1:{port}/",
        "http://:@127.0.0.1:{port}/",
        "http://",
        "http:///path",
        "127.0.0.1:{port}/no-scheme",
        "http://127.0.0.1:99999/",
    ],
)
def test_bad_urls_are_refused(template, server):
    error = fetch_error(template.format(port=server.port))
    assert error.reason in ("bad_url", "blocked")
    assert server.connections == 0


def test_userinfo_is_a_bad_url(server):
    assert fetch_error(f"http://user:pw@127.0.0.1:{server.port}/").reason == "bad_url"


# --- HTTPS ------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def certificate(tmp_path_factory):
    """A self-signed certificate for 127.0.0.1 and secure.test: (cert path, key path)."""
    if shutil.which("openssl") is None:
        pytest.skip("openssl is needed to make a test certificate")
    folder = tmp_path_factory.mktemp("tls")
    cert, key = folder / "cert.pem", folder / "key.pem"
    command = (
        "openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 2"
        " -subj /CN=secure.test -addext subjectAltName=DNS:secure.test,IP:127.0.0.1"
    )
    subprocess.run(
        [*command.split(), "-keyout", str(key), "-out", str(cert)],
        check=True,
        capture_output=True,
    )
    return str(cert), str(key)


@pytest.fixture
def tls_server(certificate):
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(*certificate)
    with serve(ssl_context=context) as running:
        yield running


@pytest.fixture
def trust_certificate(certificate, monkeypatch):
    """Make the fetcher's sessions trust the test certificate (instead of certifi's CAs)."""
    real_session = fetcher._session

    @contextlib.contextmanager
    def session(**kwargs):
        with real_session(**kwargs) as opened:
            opened.verify = certificate[0]
            yield opened

    monkeypatch.setattr(fetcher, "_session", session)


def test_an_untrusted_certificate_is_a_permanent_certificate_error(tls_server):
    """Retrying will not make a self-signed certificate trusted: the check fails for good."""
    tls_server.routes["/"] = json_reply({})
    error = fetch_error(tls_server.url())
    assert (error.reason, error.transient) == ("certificate", False)
    assert "certificate verify failed" in error.message
    assert tls_server.hits("/") == 0


def test_a_handshake_cut_short_is_a_transient_connection_error(server):
    """Not a certificate problem (here the server speaks plain HTTP): worth retrying."""
    error = fetch_error(server.url().replace("http://", "https://"))
    assert (error.reason, error.transient) == ("connection", True)
    assert "TLS handshake failed" in error.message


def test_https_to_an_allowed_host(tls_server, trust_certificate):
    tls_server.routes["/"] = json_reply({"tls": True})
    result = fetch(tls_server.url())
    assert (result.url, result.body) == (tls_server.url(), b'{"tls": true}')


def test_https_trickling_headers_are_cut_off_by_the_deadline(tls_server, trust_certificate):
    status_line = b"HTTP/1.1 200 OK\r\nX-Padding: " + b"a" * 1000
    tls_server.routes["/trickle"] = Reply(raw=[bytes([b]) for b in status_line], chunk_delay=0.05)
    started = time.monotonic()
    assert fetch_error(tls_server.url("/trickle"), deadline=1.0).reason == "timeout"
    assert time.monotonic() - started < 2.0


def test_https_through_the_hardened_path_checks_the_name(
    tls_server, trust_certificate, fake_dns, connect_log, monkeypatch
):
    """Connected to the checked IP, the certificate is still verified against the name."""
    fake_dns["secure.test"] = "127.0.0.1"
    fake_dns["other.test"] = "127.0.0.1"
    real_filter_host = ip_filter_adapter.filter_host
    monkeypatch.setattr(
        ip_filter_adapter,
        "filter_host",
        lambda host, port, allow_loopback: real_filter_host(host, port, allow_loopback=True),
    )
    monkeypatch.setattr(fetcher, "is_forbidden_address", lambda address: False)
    tls_server.routes["/"] = json_reply({"sni": True})

    result = fetch(f"https://secure.test:{tls_server.port}/")

    assert result.body == b'{"sni": true}'
    assert connect_log == [("127.0.0.1", tls_server.port)]
    assert tls_server.requests[0].headers["host"] == f"secure.test:{tls_server.port}"
    wrong_name = fetch_error(f"https://other.test:{tls_server.port}/")
    assert (wrong_name.reason, wrong_name.transient) == ("certificate", False)
    assert "other.test" in wrong_name.message


@pytest.mark.parametrize("length", ["²", "9" * 5000])
def test_a_content_length_of_odd_digits_is_read_as_no_length_or_too_large(server, length):
    # '²' passes str.isdigit() and int() refuses it; so does a number of 5000 digits.
    server.routes["/odd"] = Reply(200, {"Content-Length": length}, [b"tiny"])
    if length.isascii():
        assert fetch_error(server.url("/odd")).reason == "too_large"
    else:
        assert fetch(server.url("/odd")).body == b"tiny"

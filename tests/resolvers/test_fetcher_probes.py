"""The SSRF probe list: every way a resolution source could point the fetcher at this machine,
its private network or a cloud metadata service is refused, with an error saying what was
refused, before any connection is made.

Each probe is fetched with no host exempt (``RESOLVER_ALLOWED_HOSTS`` empty) while a trap
server listens on 127.0.0.1 and every ``socket.connect`` is watched: connections to the trap
and to the allowed redirecting host go through, any other is recorded and refused, so a probe
that slipped past the checks would reach nothing and fail the test. Made-up names resolve
through a patched ``getaddrinfo``; ``localhost`` resolves for real.
"""

from __future__ import annotations

import errno
import ipaddress
import socket
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from urllib.parse import urljoin

import pytest
from requests_hardened.ip_filter import get_ip_address

from resolvers.fetcher import FetchError, fetch, is_forbidden_address, is_odd_ip_spelling
from tests.resolvers.http_servers import LocalHTTPServer, json_reply, redirect, serve

# The host that redirects probes into forbidden places: exempt from the address check by
# name, so that reaching 127.0.0.1 under any other spelling is still a probe.
START_HOST = "start.test"


@dataclass(frozen=True)
class Probe:
    name: str
    url: str  # "{port}" is the trap server's port
    why: str  # what the URL reaches, and so why it must be refused
    says: str  # part of the error message a user reads on the failed check
    reason: str = FetchError.BLOCKED
    dns: dict[str, tuple[str, ...]] = field(default_factory=dict)  # made-up name -> answers
    redirected: bool = False  # served as the Location of a redirect chain from START_HOST


def _url_host(address: str) -> str:
    return f"[{address}]" if ":" in address else address


# (address, why) — refused as an IP literal in the URL and as the answer for a name.
FORBIDDEN_ADDRESSES = [
    ("127.0.0.1", "loopback: this machine's own services"),
    ("127.0.0.2", "loopback: all of 127.0.0.0/8"),
    ("0.0.0.0", "unspecified: connecting to it reaches this machine"),
    ("0.1.2.3", "'this network' (0.0.0.0/8)"),
    ("10.0.0.1", "private 10.0.0.0/8"),
    ("172.16.0.1", "private 172.16.0.0/12"),
    ("172.31.255.254", "private 172.16.0.0/12, its top"),
    ("192.168.1.1", "private 192.168.0.0/16"),
    ("100.64.0.1", "carrier-grade NAT 100.64.0.0/10, often internal workloads"),
    ("169.254.169.254", "link-local: the cloud metadata service (AWS, GCP, Azure)"),
    ("169.254.170.2", "link-local: the ECS task metadata endpoint"),
    ("192.0.0.170", "IETF protocol assignments 192.0.0.0/24"),
    ("198.18.0.1", "benchmarking 198.18.0.0/15"),
    ("240.0.0.1", "reserved 240.0.0.0/4"),
    ("255.255.255.255", "limited broadcast"),
    ("224.0.0.1", "multicast: all hosts"),
    ("239.255.255.250", "multicast: SSDP"),
    ("::1", "IPv6 loopback"),
    ("::", "IPv6 unspecified"),
    ("fd00:ec2::254", "unique local: the EC2 metadata service over IPv6"),
    ("fc00::1", "unique local fc00::/7"),
    ("fe80::1", "IPv6 link-local"),
    ("fe80::a9fe:a9fe", "IPv6 link-local, ending like the metadata address"),
    ("fec0::1", "IPv6 site-local (deprecated)"),
    ("ff02::1", "IPv6 multicast: all nodes"),
    ("::ffff:127.0.0.1", "IPv4-mapped loopback"),
    ("::ffff:7f00:1", "IPv4-mapped loopback, in hex"),
    ("::ffff:169.254.169.254", "IPv4-mapped metadata service"),
    ("::127.0.0.1", "IPv4-compatible loopback (deprecated ::/96)"),
    ("::ffff:0:7f00:1", "IPv4-translated (SIIT) loopback"),
    ("64:ff9b::7f00:1", "NAT64 of 127.0.0.1"),
    ("64:ff9b::a9fe:a9fe", "NAT64 of 169.254.169.254"),
    ("64:ff9b:1::a00:1", "local-use NAT64 of 10.0.0.1"),
    ("2002:7f00:1::", "6to4 of 127.0.0.1"),
    ("2002:a9fe:a9fe::", "6to4 of 169.254.169.254"),
    ("2001:0:4136:e378:8000:63bf:3fff:fdd2", "Teredo, which tunnels to an IPv4 address"),
    ("2001:db8::1", "documentation range: never a real server"),
    ("100::1", "discard-only 100::/64"),
]


# A name's addresses are read the way requests-hardened reads them: an IPv4-mapped answer is
# the IPv4 address (it connects over IPv4), so the message names that.
def _as_answered(address: str) -> str:
    parsed = ipaddress.ip_address(address)
    mapped = getattr(parsed, "ipv4_mapped", None)
    return str(mapped or parsed)


LITERAL_PROBES = [
    Probe(
        name=f"literal {address}",
        url=f"http://{_url_host(address)}:{{port}}/latest/meta-data/",
        why=why,
        says=f"The address {ipaddress.ip_address(address)} is not allowed",
    )
    for address, why in FORBIDDEN_ADDRESSES
]

NAME_PROBES = [
    Probe(
        name=f"name -> {address}",
        url="http://innocent.test:{port}/",
        why=f"a name resolving to {why}",
        says=f"'innocent.test' resolves to {_as_answered(address)}, which is not allowed",
        dns={"innocent.test": (address,)},
    )
    for address, why in FORBIDDEN_ADDRESSES
]

SPELLING_PROBES = [
    Probe(
        name=f"spelling {host}",
        url=f"http://{host}:{{port}}/",
        why=why,
        says=f"The host {host!r} is an obfuscated IP",
    )
    for host, why in [
        ("127.1", "127.0.0.1, short form (inet_aton fills the zeros)"),
        ("127.0.1", "127.0.0.1, three-part form"),
        ("0x7f000001", "127.0.0.1 as one hex number"),
        ("2130706433", "127.0.0.1 as one decimal number"),
        ("017700000001", "127.0.0.1 as one octal number"),
        ("0177.0.0.1", "127.0.0.1 with an octal part"),
        ("0x7f.0x0.0x0.0x1", "127.0.0.1 in dotted hex"),
        ("0x7f.1", "127.0.0.1, short form in hex"),
        ("127.000.000.001", "127.0.0.1 zero-padded (octal to inet_aton)"),
        ("0", "0.0.0.0 as one number"),
        ("0251.0376.0251.0376", "169.254.169.254 in dotted octal"),
        ("2852039166", "169.254.169.254 as one decimal number"),
        ("127.0.0.1.", "127.0.0.1 with a trailing dot"),
    ]
]

OTHER_PROBES = [
    Probe(
        "localhost",
        "http://localhost:{port}/",
        "the system resolver's name for loopback",
        says="'localhost' resolves to",
    ),
    Probe(
        "LOCALHOST at the Redis port",
        "http://LOCALHOST:6379/",
        "loopback, any case, any port: the port does not make it safe",
        says="'localhost' resolves to",
    ),
    Probe(
        "name embedding its IP",
        "http://127.0.0.1.nip.io:{port}/",
        "a wildcard-DNS name that answers with the IP it spells",
        says="'127.0.0.1.nip.io' resolves to 127.0.0.1",
        dns={"127.0.0.1.nip.io": ("127.0.0.1",)},
    ),
    Probe(
        "name -> public then private",
        "http://mixed.test:{port}/",
        "a name whose first answer is public: its private answer is refused all the same",
        says="'mixed.test' resolves to 10.0.0.5, which is not allowed",
        dns={"mixed.test": ("1.1.1.1", "10.0.0.5")},
    ),
    Probe(
        "name -> private then public",
        "http://mixed.test:{port}/",
        "a name whose first answer is private",
        says="'mixed.test' resolves to 192.168.0.10, which is not allowed",
        dns={"mixed.test": ("192.168.0.10", "1.1.1.1")},
    ),
    Probe(
        "name -> public v4, private v6",
        "http://mixed.test:{port}/",
        "a dual-stack name with a unique-local AAAA record",
        says="'mixed.test' resolves to fd00::1, which is not allowed",
        dns={"mixed.test": ("1.1.1.1", "fd00::1")},
    ),
    Probe(
        "scoped link-local",
        "http://[fe80::1%25eth0]:{port}/",
        "IPv6 link-local with a zone: only meaningful on a local link",
        says="The address fe80::1%25eth0 is not allowed",
    ),
    Probe(
        "scoped public address",
        "http://[2606:4700:4700::1111%25eth0]/",
        "a zone index binds even a public address to a local interface",
        says="The address 2606:4700:4700::1111%25eth0 is not allowed",
    ),
    Probe(
        "IPv4-mapped public literal",
        "http://[::ffff:8.8.8.8]/",
        "IPv4-mapped literals are refused whole rather than decoded",
        says="The address ::ffff:808:808 is not allowed",
    ),
    Probe(
        "percent-encoded host",
        "http://%31%32%37.0.0.1:{port}/",
        "127.0.0.1 with its digits percent-encoded",
        says="The address 127.0.0.1 is not allowed",
    ),
    Probe(
        "full-width digits",
        "http://\uff11\uff12\uff17.\uff10.\uff10.\uff11:{port}/",
        "127.0.0.1 in full-width digits, which some parsers fold to ASCII",
        says="not a valid IDNA label",
        reason=FetchError.BAD_URL,
    ),
    Probe(
        "credentials",
        "http://user:secret@1.1.1.1/",
        "credentials in the URL would be sent to whoever answers",
        says="Credentials in the URL are not allowed",
        reason=FetchError.BAD_URL,
    ),
    Probe(
        "userinfo hiding the host",
        "http://1.1.1.1@127.0.0.1:{port}/",
        "reads as 1.1.1.1 to a person, connects to 127.0.0.1",
        says="Credentials in the URL are not allowed",
        reason=FetchError.BAD_URL,
    ),
    Probe(
        "parser confusion",
        "http://1.1.1.1 &@127.0.0.1:{port}# @3.3.3.3/",
        "a URL that parsers split at different '@'s",
        says="Credentials in the URL are not allowed",
        reason=FetchError.BAD_URL,
    ),
    Probe(
        "loopback at the PostgreSQL port",
        "http://[::1]:5432/",
        "IPv6 loopback at a database port",
        says="The address ::1 is not allowed",
    ),
]

SCHEME_PROBES = [
    Probe(f"scheme {url.split(':')[0]}", url, why, says=f"The scheme {url.split(':')[0]!r}")
    for url, why in [
        ("file:///etc/passwd", "local files"),
        ("ftp://127.0.0.1/", "FTP: another protocol, another client"),
        ("gopher://127.0.0.1:6379/_INFO%0D%0A", "gopher: writes raw bytes to any port"),
        ("data:text/plain,hello", "data: a body no server sent"),
        ("dict://127.0.0.1:11211/stat", "dict: raw commands to memcached and the like"),
        ("ldap://127.0.0.1/", "LDAP"),
        ("ws://127.0.0.1/", "WebSocket"),
        ("javascript:alert(1)", "not a fetchable URL at all"),
    ]
]

# Fetched from http://start.test/start, which redirects to /hop, which redirects here.
REDIRECT_PROBES = [
    Probe(
        f"redirect to {location}", location, why, says=says, reason=reason, redirected=True, dns=dns
    )
    for location, why, says, reason, dns in [
        (
            "http://127.0.0.1:{port}/secret",
            "the allowed host's own address, spelled as an IP",
            "The address 127.0.0.1 is not allowed",
            FetchError.BLOCKED,
            {},
        ),
        (
            "http://localhost:{port}/secret",
            "loopback by name",
            "'localhost' resolves to",
            FetchError.BLOCKED,
            {},
        ),
        (
            "http://169.254.169.254/latest/meta-data/iam/security-credentials/",
            "the cloud metadata service",
            "The address 169.254.169.254 is not allowed",
            FetchError.BLOCKED,
            {},
        ),
        (
            "http://[fd00:ec2::254]/latest/meta-data/",
            "the EC2 metadata service over IPv6",
            "The address fd00:ec2::254 is not allowed",
            FetchError.BLOCKED,
            {},
        ),
        (
            "http://[::ffff:127.0.0.1]:{port}/secret",
            "IPv4-mapped loopback",
            "The address ::ffff:7f00:1 is not allowed",
            FetchError.BLOCKED,
            {},
        ),
        (
            "http://2130706433:{port}/secret",
            "loopback as a decimal number",
            "The host '2130706433' is an obfuscated IP",
            FetchError.BLOCKED,
            {},
        ),
        (
            "//10.0.0.1/",
            "a scheme-relative Location into the private network",
            "The address 10.0.0.1 is not allowed",
            FetchError.BLOCKED,
            {},
        ),
        (
            "http://metadata.test/latest/meta-data/",
            "a name resolving to the metadata service",
            "'metadata.test' resolves to 169.254.169.254, which is not allowed",
            FetchError.BLOCKED,
            {"metadata.test": ("169.254.169.254",)},
        ),
        (
            "http://user:secret@127.0.0.1:{port}/secret",
            "credentials smuggled into a redirect",
            "Credentials in the URL are not allowed",
            FetchError.BAD_URL,
            {},
        ),
        (
            "file:///etc/passwd",
            "a redirect out of HTTP into local files",
            "The scheme 'file' is not allowed",
            FetchError.BLOCKED,
            {},
        ),
        (
            "gopher://127.0.0.1:{port}/_GET%20/secret",
            "a redirect into gopher",
            "The scheme 'gopher' is not allowed",
            FetchError.BLOCKED,
            {},
        ),
    ]
]

PROBES = [
    *LITERAL_PROBES,
    *NAME_PROBES,
    *SPELLING_PROBES,
    *OTHER_PROBES,
    *SCHEME_PROBES,
    *REDIRECT_PROBES,
]


@pytest.fixture(autouse=True)
def _nothing_exempt(settings):
    settings.RESOLVER_ALLOWED_HOSTS = []
    settings.RESOLVER_CONNECT_TIMEOUT = 1.0
    settings.RESOLVER_READ_TIMEOUT = 1.0
    settings.RESOLVER_DEADLINE = 3.0


@pytest.fixture
def trap() -> Iterator[LocalHTTPServer]:
    """A server on 127.0.0.1 that no probe may reach."""
    with serve({"/secret": json_reply({"token": "s3cr3t"})}) as running:
        yield running


@pytest.fixture
def start() -> Iterator[LocalHTTPServer]:
    """The allowed host (reached as start.test) whose redirect chain ends at a probe."""
    with serve() as running:
        yield running


@pytest.fixture
def dns(monkeypatch) -> dict[str, tuple[str, ...]]:
    """Made-up names -> their addresses, answered in order; other names resolve as usual."""
    records: dict[str, tuple[str, ...]] = {}
    real_getaddrinfo = socket.getaddrinfo

    def getaddrinfo(host, port, family=0, type=0, proto=0, flags=0):
        name = (host.decode() if isinstance(host, bytes) else host or "").lower()
        if name not in records:
            return real_getaddrinfo(host, port, family, type, proto, flags)
        answers = []
        for address in records[name]:
            if ipaddress.ip_address(address).version == 4:
                answers.append((socket.AF_INET, socket.SOCK_STREAM, 6, "", (address, port)))
            else:
                answers.append((socket.AF_INET6, socket.SOCK_STREAM, 6, "", (address, port, 0, 0)))
        return answers

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    return records


@contextmanager
def watched_connections(
    monkeypatch: pytest.MonkeyPatch, passing: set[tuple[str, int]]
) -> Iterator[list[tuple]]:
    """Record every socket.connect; let those to ``passing`` through, refuse the others."""
    attempts: list[tuple] = []
    real_connect: Callable = socket.socket.connect

    def connect(sock, address):
        attempts.append(tuple(address))
        if tuple(address)[:2] not in passing:
            raise ConnectionRefusedError(errno.ECONNREFUSED, f"refused by the test: {address}")
        return real_connect(sock, address)

    def connect_ex(sock, address):
        try:
            connect(sock, address)
        except OSError as exc:
            return exc.errno
        return 0

    with monkeypatch.context() as patch:
        patch.setattr(socket.socket, "connect", connect)
        patch.setattr(socket.socket, "connect_ex", connect_ex)
        yield attempts


@pytest.mark.parametrize("probe", PROBES, ids=[probe.name for probe in PROBES])
def test_the_probe_is_refused_before_any_connection(
    probe: Probe, trap, start, dns, settings, monkeypatch
):
    """A failure names the probe and ``probe.why``, what the URL would have reached."""
    dns.update(probe.dns)
    url = probe.url.replace("{port}", str(trap.port))
    if probe.redirected:
        dns[START_HOST] = ("127.0.0.1",)
        settings.RESOLVER_ALLOWED_HOSTS = [START_HOST]
        start.routes["/start"] = redirect("/hop")
        start.routes["/hop"] = redirect(url)
        first_url = f"http://{START_HOST}:{start.port}/start"
    else:
        first_url = url
    local = {("127.0.0.1", trap.port), ("127.0.0.1", start.port)}

    with watched_connections(monkeypatch, local) as attempts, pytest.raises(FetchError) as caught:
        fetch(first_url)

    error = caught.value
    explained = f"{probe.why}: {error.message}"
    assert (error.reason, error.transient) == (probe.reason, False), explained
    assert probe.says in error.message, explained
    assert (trap.connections, trap.requests) == (0, []), explained
    if probe.redirected:
        assert error.url == urljoin(f"http://{START_HOST}:{start.port}/hop", url)
        assert [request.path for request in start.requests] == ["/start", "/hop"]
        assert set(attempts) == {("127.0.0.1", start.port)}
    else:
        assert attempts == []


# --- What still passes ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "answers", "expected_connect"),
    [
        ("http://8.8.8.8/", {}, ("8.8.8.8", 80)),
        ("https://[2606:4700:4700::1111]/", {}, ("2606:4700:4700::1111", 443)),
        ("http://api.example.test:8080/v1", {"api.example.test": ("1.1.1.1",)}, ("1.1.1.1", 8080)),
        (
            "https://dual.example.test/",
            {"dual.example.test": ("140.82.112.3", "2620:0:862:ed1a::1")},
            ("140.82.112.3", 443),
        ),
        # requests-hardened connects over IPv4 to an IPv4-mapped answer.
        (
            "http://mapped.example.test/",
            {"mapped.example.test": ("::ffff:8.8.4.4",)},
            ("8.8.4.4", 80),
        ),
    ],
)
def test_a_public_address_passes_the_checks(url, answers, expected_connect, dns, monkeypatch):
    """The fetch gets as far as connecting to the public address (the test refuses that
    connection: there is no internet here), so nothing on the way refused it."""
    dns.update(answers)

    with watched_connections(monkeypatch, set()) as attempts, pytest.raises(FetchError) as caught:
        fetch(url)

    assert (caught.value.reason, caught.value.transient) == ("connection", True)
    assert [attempt[:2] for attempt in attempts] == [expected_connect]


def test_a_redirect_to_a_public_address_is_followed(start, dns, settings, monkeypatch):
    dns[START_HOST] = ("127.0.0.1",)
    settings.RESOLVER_ALLOWED_HOSTS = [START_HOST]
    start.routes["/start"] = redirect("http://1.1.1.1/elsewhere")
    local = {("127.0.0.1", start.port)}

    with watched_connections(monkeypatch, local) as attempts, pytest.raises(FetchError) as caught:
        fetch(f"http://{START_HOST}:{start.port}/start")

    assert (caught.value.reason, caught.value.url) == ("connection", "http://1.1.1.1/elsewhere")
    assert [attempt[:2] for attempt in attempts] == [("127.0.0.1", start.port), ("1.1.1.1", 80)]


# --- The checks on their own ------------------------------------------------------------------


@pytest.mark.parametrize("address", [address for address, _why in FORBIDDEN_ADDRESSES])
def test_forbidden_addresses_are_recognised(address):
    assert is_forbidden_address(ipaddress.ip_address(address))


@pytest.mark.parametrize(
    "address", ["8.8.8.8", "1.1.1.1", "140.82.112.3", "2606:4700:4700::1111", "2620:0:862:ed1a::1"]
)
def test_public_addresses_are_not_forbidden(address):
    assert not is_forbidden_address(ipaddress.ip_address(address))


@pytest.mark.parametrize(
    "host", ["127.0.0.1", "::1", "example.com", "1e100.net", "0x.test", "10.in-addr.arpa"]
)
def test_plain_hosts_are_not_odd_spellings(host):
    assert not is_odd_ip_spelling(host)


@pytest.mark.parametrize("probe", SPELLING_PROBES, ids=[probe.name for probe in SPELLING_PROBES])
def test_odd_spellings_are_recognised(probe):
    assert is_odd_ip_spelling(probe.url.removeprefix("http://").removesuffix(":{port}/"))


@pytest.mark.parametrize("address", ["::127.0.0.1", "fec0::1", "::ffff:0:7f00:1"])
def test_requests_hardened_alone_lets_these_through(address, dns):
    """Why the fetcher adds its own check: the library's filter passes these answers."""
    dns["gap.test"] = (address,)
    resolved, _port = get_ip_address("gap.test", 80, allow_loopback=False)
    assert resolved == ipaddress.ip_address(address)


@pytest.mark.parametrize(
    ("allowed", "url"),
    [
        ("127.0.0.1", "http://localhost:{port}/secret"),
        ("127.0.0.1", "http://127.0.0.2:{port}/secret"),
        ("127.0.0.1", "http://[::ffff:127.0.0.1]:{port}/secret"),
        ("2130706433", "http://2130706433:{port}/secret"),  # odd spellings: even when listed
        ("127.1", "http://127.1:{port}/secret"),
    ],
)
def test_an_allowed_host_exempts_only_itself_as_written(allowed, url, trap, settings, monkeypatch):
    settings.RESOLVER_ALLOWED_HOSTS = [allowed]
    local = {("127.0.0.1", trap.port)}

    with watched_connections(monkeypatch, local) as attempts, pytest.raises(FetchError) as caught:
        fetch(url.replace("{port}", str(trap.port)))

    assert caught.value.reason == "blocked"
    assert (attempts, trap.connections) == ([], 0)

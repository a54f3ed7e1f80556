"""The safe HTTP fetcher: the only way resolvers reach the network.

Built on requests-hardened, which resolves the host once, refuses private, loopback and
multicast addresses (plus a few extra ranges: CG-NAT, NAT64, 6to4, ...) and then connects to
the very address it checked. Its blocklist is a module constant with no setting to extend it,
so the widening below is applied by our subclass of its adapter. On top of it this module adds:

- only ``http`` and ``https``, no userinfo, and no IPv4 literals in odd spellings
  (``2130706433``, ``0177.0.0.1``, ``0x7f.0.0.1``, ``127.1``), refused before any connection;
- a stricter address check, applied to the address requests-hardened is about to connect to:
  anything that is not globally routable (reserved, unspecified, link-local, site-local,
  IPv4-compatible ``::a.b.c.d``, IPv4-mapped, NAT64, 6to4, Teredo, ...) is refused;
- a name is refused when any of its addresses is, not only the first one (which the library
  checks and connects to): the outcome does not hang on the order of the DNS answer;
- redirects followed by hand, every hop re-checked (scheme, spelling, address), at most
  ``RESOLVER_MAX_REDIRECTS``; credentials are not forwarded to another origin;
- a body cap enforced while streaming (and up front when Content-Length announces more);
- a total deadline across DNS, connect, redirects, headers and body: name lookups run in a
  helper thread the fetch stops waiting for, and a watchdog shuts the socket down when it
  passes, so neither a slow DNS server nor a server that trickles bytes can hold a worker;
- TLS certificate failures are permanent (reason "certificate"), not retried;
- a fixed User-Agent, no cookies kept, no proxies or .netrc taken from the environment.

Hosts listed in ``RESOLVER_ALLOWED_HOSTS`` (exact hostname or IP, as written in the URL) skip
the address check: ``127.0.0.1`` in tests and local demos, nothing in production.
"""

from __future__ import annotations

import contextvars
import functools
import hashlib
import http.client
import ipaddress
import logging
import socket
import ssl
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import Future
from concurrent.futures import TimeoutError as FutureTimeout
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from typing import TypeVar
from urllib.parse import urljoin, urlsplit

import requests
import urllib3.exceptions
from django.conf import settings
from requests.adapters import HTTPAdapter
from requests.models import PreparedRequest
from requests_hardened import Config, HTTPSession
from requests_hardened.ip_filter import EXTRA_BLOCKED_NET_RANGES, InvalidIPAddress
from requests_hardened.ip_filter_adapter import IPFilterAdapter
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool
from urllib3.util.connection import allowed_gai_family
from urllib3.util.ssl_match_hostname import CertificateError

logger = logging.getLogger(__name__)

DEFAULT_USER_AGENT = "Hindsight-resolver/1.0 (prediction registry; resolution checks)"
DEFAULT_MAX_BODY_BYTES = 2 * 1024 * 1024
DEFAULT_CONNECT_TIMEOUT = 5.0
DEFAULT_READ_TIMEOUT = 15.0
DEFAULT_DEADLINE = 30.0
DEFAULT_MAX_REDIRECTS = 5

ALLOWED_SCHEMES = frozenset({"http", "https"})
# Not forwarded when a redirect leads to another scheme, host or port.
CREDENTIAL_HEADERS = frozenset({"authorization", "proxy-authorization", "cookie"})
# Set by the fetcher itself; a caller's value is dropped.
RESERVED_HEADERS = frozenset({"host", "user-agent"})
CHUNK_BYTES = 64 * 1024

Looked = TypeVar("Looked")  # what a name lookup returns
Network = ipaddress.IPv4Network | ipaddress.IPv6Network
Address = ipaddress.IPv4Address | ipaddress.IPv6Address

# Refused on top of requests-hardened's own list (it already has 100.64.0.0/10, 64:ff9b::/96,
# 64:ff9b:1::/48, 2002::/16, 192.0.0.0/24, 192.88.99.0/24, ...). Whole ranges that embed an
# IPv4 address are refused rather than decoded: no resolver needs to reach them.
ADDITIONAL_BLOCKED_NETWORKS: tuple[Network, ...] = (
    ipaddress.ip_network("0.0.0.0/8"),  # "this network"; 0.0.0.0 reaches the local host
    ipaddress.ip_network("::/96"),  # IPv4-compatible ::a.b.c.d (deprecated), :: and ::1
    ipaddress.ip_network("::ffff:0:0/96"),  # IPv4-mapped
    ipaddress.ip_network("::ffff:0:0:0/96"),  # IPv4-translated (SIIT)
    ipaddress.ip_network("64:ff9b::/96"),  # NAT64, well-known prefix
    ipaddress.ip_network("64:ff9b:1::/48"),  # NAT64, local use
    ipaddress.ip_network("100::/64"),  # discard-only
    ipaddress.ip_network("2001::/32"),  # Teredo
    ipaddress.ip_network("2002::/16"),  # 6to4
    ipaddress.ip_network("fc00::/7"),  # unique local (fd00:ec2::254, the EC2 metadata service)
    ipaddress.ip_network("fe80::/10"),  # link-local
    ipaddress.ip_network("fec0::/10"),  # site-local (deprecated)
    ipaddress.ip_network("ff00::/8"),  # multicast
    ipaddress.ip_network("169.254.0.0/16"),  # link-local, 169.254.169.254 cloud metadata
    ipaddress.ip_network("224.0.0.0/4"),  # multicast
    ipaddress.ip_network("240.0.0.0/4"),  # reserved, and 255.255.255.255
)


@dataclass(frozen=True)
class FetchResult:
    url: str  # the final URL after redirects
    status: int  # HTTP status (any status is returned, 4xx and 5xx included)
    content_type: str
    body: bytes  # at most max_bytes
    sha256: str  # hex digest of body
    duration_ms: int
    link: str = ""  # the response's Link header (RFC 8288 pagination), "" when it has none


class FetchError(Exception):
    """A fetch that produced no response to evaluate.

    ``reason`` is one of "blocked" (address or scheme refused), "bad_url", "timeout",
    "connection", "certificate" (TLS verification failed), "too_large", "too_many_redirects";
    ``url`` is the URL being fetched when it failed (a redirect target, for a refused hop);
    ``transient`` is true for timeouts and connection errors only, the ones worth retrying.
    """

    BLOCKED = "blocked"
    BAD_URL = "bad_url"
    TIMEOUT = "timeout"
    CONNECTION = "connection"
    CERTIFICATE = "certificate"
    TOO_LARGE = "too_large"
    TOO_MANY_REDIRECTS = "too_many_redirects"

    def __init__(self, message: str, *, reason: str, url: str, transient: bool):
        super().__init__(message)
        self.message = message
        self.reason = reason
        self.url = url
        self.transient = transient

    def __repr__(self) -> str:
        return f"FetchError({self.message!r}, reason={self.reason!r}, url={self.url!r})"


def _error(reason: str, message: str, url: str) -> FetchError:
    transient = reason in (FetchError.TIMEOUT, FetchError.CONNECTION)
    return FetchError(message, reason=reason, url=url, transient=transient)


# --- Address checks ---------------------------------------------------------------------------


def is_forbidden_address(address: Address) -> bool:
    """Whether the fetcher refuses to connect to ``address`` (unless its host is allowed).

    Everything that is not globally routable unicast: requests-hardened's test (private,
    multicast, its extra ranges) widened with Python's other predicates and the ranges above.
    """
    if isinstance(address, ipaddress.IPv6Address) and address.scope_id:
        return True  # a zone index only makes sense on a local link
    if (
        not address.is_global
        or address.is_private
        or address.is_loopback
        or address.is_link_local
        or address.is_multicast
        or address.is_reserved
        or address.is_unspecified
        or (isinstance(address, ipaddress.IPv6Address) and address.is_site_local)
    ):
        return True
    return any(
        address in network
        for network in (*EXTRA_BLOCKED_NET_RANGES, *ADDITIONAL_BLOCKED_NETWORKS)
        if network.version == address.version
    )


def is_odd_ip_spelling(host: str) -> bool:
    """Whether ``host`` is an IPv4 address written other than as four plain decimals.

    The C resolver reads ``2130706433``, ``0177.0.0.1``, ``0x7f.0.0.1`` and ``127.1`` as
    127.0.0.1 (inet_aton rules); such a host is never a real name, so it is refused outright.
    """
    candidate = host.rstrip(".")
    try:
        ipaddress.ip_address(candidate)
    except ValueError:
        pass
    else:
        return candidate != host  # "127.0.0.1." is odd; "127.0.0.1" is canonical
    try:
        socket.inet_aton(candidate)
    except (OSError, ValueError):
        return False
    return True


class BlockedAddress(InvalidIPAddress):
    """Raised by the adapter for an address requests-hardened let through but we refuse."""


def _normal_host(host: str) -> str:
    return host.strip().strip("[]").rstrip(".").lower()


def _allowed_hosts() -> frozenset[str]:
    return frozenset(_normal_host(h) for h in getattr(settings, "RESOLVER_ALLOWED_HOSTS", []))


def _check_url(url: str, params: dict | None, allowed: frozenset[str]) -> tuple[str, bool]:
    """Validate one hop's URL without touching the network.

    Returns the URL as requests will send it and whether its host is allowed
    (skips the address check). Refuses schemes, userinfo, odd spellings and, for IP literals,
    forbidden addresses.
    """
    try:
        scheme = urlsplit(url).scheme.lower()
    except ValueError as exc:
        raise _error(FetchError.BAD_URL, f"Unparsable URL: {exc}", url) from None
    if not scheme:
        raise _error(FetchError.BAD_URL, "The URL has no scheme.", url)
    if scheme not in ALLOWED_SCHEMES:
        raise _error(FetchError.BLOCKED, f"The scheme {scheme!r} is not allowed.", url)

    prepared = PreparedRequest()
    try:
        prepared.prepare_url(url, params)
    except (requests.RequestException, ValueError) as exc:
        raise _error(FetchError.BAD_URL, f"Invalid URL: {exc}", url) from None
    normalized = prepared.url or ""
    try:
        parts = urlsplit(normalized)
        hostname = parts.hostname
        _ = parts.port  # raises ValueError for a port out of range
    except ValueError as exc:
        raise _error(FetchError.BAD_URL, f"Invalid URL: {exc}", url) from None
    if parts.scheme not in ALLOWED_SCHEMES:  # defensive: requests keeps the scheme
        raise _error(FetchError.BLOCKED, f"The scheme {parts.scheme!r} is not allowed.", url)
    if "@" in parts.netloc:
        raise _error(FetchError.BAD_URL, "Credentials in the URL are not allowed.", url)
    if not hostname:
        raise _error(FetchError.BAD_URL, "The URL has no host.", url)
    if is_odd_ip_spelling(hostname):
        raise _error(FetchError.BLOCKED, f"The host {hostname!r} is an obfuscated IP.", url)

    is_allowed = _normal_host(hostname) in allowed
    if not is_allowed:
        try:
            literal = ipaddress.ip_address(hostname)
        except ValueError:
            literal = None  # a name: checked after resolution, by the adapter
        if literal is not None and is_forbidden_address(literal):
            raise _error(FetchError.BLOCKED, f"The address {literal} is not allowed.", url)
    return normalized, is_allowed


# --- Deadline ---------------------------------------------------------------------------------


class _Deadline:
    """The fetch's total time budget; when it passes, every socket it watches is shut down.

    Shutting a socket down wakes a thread blocked in recv() on it (it reads EOF), which is
    what a per-operation timeout cannot do against a server that sends a byte now and then.
    """

    def __init__(self, seconds: float):
        self.seconds = seconds
        self.expires_at = time.monotonic() + seconds
        self._fired = False
        self._lock = threading.Lock()
        self._connections: list[HTTPConnection] = []
        self._timer = threading.Timer(max(seconds, 0.0), self._fire)
        self._timer.daemon = True
        self._timer.start()

    @property
    def expired(self) -> bool:
        return self._fired or time.monotonic() >= self.expires_at

    def remaining(self) -> float:
        return max(self.expires_at - time.monotonic(), 0.0)

    def watch(self, connection: HTTPConnection) -> None:
        with self._lock:
            self._connections.append(connection)
        if self.expired:
            _shut_down(connection)

    def cancel(self) -> None:
        self._timer.cancel()
        with self._lock:
            self._connections.clear()

    def _fire(self) -> None:
        with self._lock:
            self._fired = True
            connections = list(self._connections)
        for connection in connections:
            _shut_down(connection)


def _shut_down(connection: HTTPConnection) -> None:
    sock = connection.sock
    if sock is None:
        return
    # socket.socket.shutdown, not SSLSocket.shutdown: the latter drops the TLS object under
    # the feet of the thread that is reading from it.
    with suppress(OSError, ValueError):
        socket.socket.shutdown(sock, socket.SHUT_RDWR)


_CURRENT_DEADLINE: contextvars.ContextVar[_Deadline | None] = contextvars.ContextVar(
    "resolver_fetch_deadline", default=None
)


def _watch(connection: HTTPConnection) -> None:
    deadline = _CURRENT_DEADLINE.get()
    if deadline is not None:
        deadline.watch(connection)


class _WatchedHTTPConnection(HTTPConnection):
    def connect(self) -> None:
        super().connect()
        _watch(self)


class _WatchedHTTPSConnection(HTTPSConnection):
    def connect(self) -> None:
        super().connect()
        _watch(self)


class _WatchedHTTPConnectionPool(HTTPConnectionPool):
    ConnectionCls = _WatchedHTTPConnection


class _WatchedHTTPSConnectionPool(HTTPSConnectionPool):
    ConnectionCls = _WatchedHTTPSConnection


class _WatchedPoolsMixin:
    """Makes an adapter's connections report to the current fetch's deadline."""

    def init_poolmanager(self, *args, **kwargs) -> None:
        super().init_poolmanager(*args, **kwargs)  # type: ignore[misc]
        # A fresh dict: urllib3's default is a module-level one shared by every pool manager.
        self.poolmanager.pool_classes_by_scheme = {  # type: ignore[attr-defined]
            "http": _WatchedHTTPConnectionPool,
            "https": _WatchedHTTPSConnectionPool,
        }


def _within_deadline(lookup: Callable[[], Looked], host: str) -> Looked:
    """Run a name lookup, waiting for it no longer than the current fetch has left.

    getaddrinfo can be neither interrupted nor given a timeout, so it runs in a daemon thread;
    one still running when the deadline passes is abandoned (it ends with the system
    resolver's own timeout) and the fetch fails with a timeout.
    """
    deadline = _CURRENT_DEADLINE.get()
    if deadline is None:
        return lookup()
    outcome: Future[Looked] = Future()

    def run() -> None:
        try:
            outcome.set_result(lookup())
        except BaseException as exc:  # handed to the waiting thread, which re-raises it
            outcome.set_exception(exc)

    threading.Thread(target=run, name=f"resolver-dns {host}", daemon=True).start()
    try:
        return outcome.result(timeout=deadline.remaining())
    except FutureTimeout:
        raise requests.exceptions.ConnectTimeout(
            f"Looking up {host!r} did not finish within the {deadline.seconds} s deadline."
        ) from None


def _refuse_forbidden_answers(host: str, port: int) -> None:
    """Raise BlockedAddress when any address ``host`` resolves to is forbidden.

    requests-hardened checks and connects to the first answer only; a name that also points
    at a private address is refused whatever the order of its records. IPv4-mapped answers
    are read as the IPv4 address, as the library does (it connects over IPv4 to those).
    """
    try:
        answers = socket.getaddrinfo(
            host, port, family=allowed_gai_family(), type=socket.SOCK_STREAM
        )
    except socket.gaierror as exc:
        raise requests.ConnectionError(f"Failed to resolve {host!r}: {exc}") from None
    for _family, _type, _proto, _canonname, socket_address in answers:
        address = ipaddress.ip_address(socket_address[0])
        if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
            address = address.ipv4_mapped
        if is_forbidden_address(address):
            logger.warning("Refused address %s among the answers for %s", address, host)
            raise BlockedAddress(address)


class _GuardedAdapter(_WatchedPoolsMixin, IPFilterAdapter):
    """requests-hardened's adapter, plus our stricter test on every address of the name and on
    the one it will connect to, and the fetch's deadline on the lookups."""

    def build_connection_pool_key_attributes(self, request, verify, cert=None):
        parts = urlsplit(request.url)
        host = parts.hostname or ""
        port = parts.port or (443 if parts.scheme == "https" else 80)
        pin_address = functools.partial(
            super().build_connection_pool_key_attributes, request, verify, cert
        )

        def resolve_and_pin():
            _refuse_forbidden_answers(host, port)
            return pin_address()  # the library looks the name up again and pins the first

        host_params, pool_kwargs = _within_deadline(resolve_and_pin, host)
        resolved = host_params["host"]  # the checked IP, "[...]" around IPv6
        address = ipaddress.ip_address(resolved.strip("[]"))
        if is_forbidden_address(address):
            logger.warning("Refused address %s for %s", address, request.url)
            raise BlockedAddress(address)
        return host_params, pool_kwargs


class _AllowedHostAdapter(_WatchedPoolsMixin, HTTPAdapter):
    """For hosts on RESOLVER_ALLOWED_HOSTS: no address check, the same deadline."""


@contextmanager
def _session(*, host_allowed: bool, user_agent: str) -> Iterator[requests.Session]:
    config = Config(
        ip_filter_enable=not host_allowed,
        ip_filter_allow_loopback_ips=False,
        never_redirect=True,
        default_timeout=(DEFAULT_CONNECT_TIMEOUT, DEFAULT_READ_TIMEOUT),
        user_agent_override=user_agent,
    )
    session = HTTPSession(config)
    session.trust_env = False  # no proxies, .netrc credentials or CA bundle from the environment
    for prefix, is_https in (("http://", False), ("https://", True)):
        if host_allowed:
            adapter: HTTPAdapter = _AllowedHostAdapter()
        else:
            adapter = _GuardedAdapter(is_https_proto=is_https, allow_loopback=False)
        session.mount(prefix, adapter)
    try:
        yield session
    finally:
        session.close()


# --- Fetch ------------------------------------------------------------------------------------


def fetch(
    url: str,
    *,
    params: dict | None = None,
    headers: dict | None = None,
    secret_headers: dict | None = None,
    max_bytes: int | None = None,
    connect_timeout: float | None = None,
    read_timeout: float | None = None,
    deadline: float | None = None,
    method: str = "GET",
    data: bytes | None = None,
) -> FetchResult:
    """GET ``url`` safely and return the response, whatever its status; raise FetchError
    when there is no response to return (refused, timed out, unreachable, too large).

    ``method="POST"`` with a ``data`` body is for read-only query APIs that take their query
    as a body (the caller sets its Content-Type); such a request follows no redirect, so
    the body is never replayed elsewhere: a 3xx answer is returned as it is.

    ``secret_headers`` (an API key, say) are sent like credentials: never to another origin
    that a redirect points at."""
    if method not in ("GET", "POST"):
        raise ValueError(f"the fetcher reads with GET or POST, not {method!r}")
    if max_bytes is None:
        max_bytes = getattr(settings, "RESOLVER_MAX_BODY_BYTES", DEFAULT_MAX_BODY_BYTES)
    if connect_timeout is None:
        connect_timeout = getattr(settings, "RESOLVER_CONNECT_TIMEOUT", DEFAULT_CONNECT_TIMEOUT)
    if read_timeout is None:
        read_timeout = getattr(settings, "RESOLVER_READ_TIMEOUT", DEFAULT_READ_TIMEOUT)
    if deadline is None:
        deadline = getattr(settings, "RESOLVER_DEADLINE", DEFAULT_DEADLINE)
    max_redirects = getattr(settings, "RESOLVER_MAX_REDIRECTS", DEFAULT_MAX_REDIRECTS)
    user_agent = getattr(settings, "RESOLVER_USER_AGENT", DEFAULT_USER_AGENT)
    allowed = _allowed_hosts()

    request_headers = {
        name: value
        for name, value in {**(headers or {}), **(secret_headers or {})}.items()
        if name.lower() not in RESERVED_HEADERS
    }
    credentials = CREDENTIAL_HEADERS | {name.lower() for name in secret_headers or {}}
    started = time.monotonic()
    clock = _Deadline(deadline)
    token = _CURRENT_DEADLINE.set(clock)
    try:
        current, query, redirects = url, params, 0
        while True:
            target, host_allowed = _check_url(current, query, allowed)
            if clock.expired:
                raise _deadline_error(clock, target)
            with _session(host_allowed=host_allowed, user_agent=user_agent) as session:
                response = _send(
                    session,
                    target,
                    request_headers,
                    clock,
                    connect_timeout,
                    read_timeout,
                    method=method,
                    data=data,
                )
                with response:
                    # Location for 301/302/303/307/308, re-decoded as requests does.
                    location = session.get_redirect_target(response)
                    if location and method == "GET":
                        if redirects >= max_redirects:
                            raise _error(
                                FetchError.TOO_MANY_REDIRECTS,
                                f"More than {max_redirects} redirects.",
                                target,
                            )
                        redirects += 1
                        next_url = urljoin(target, location.strip())
                        if _origin(next_url) != _origin(target):
                            request_headers = {
                                name: value
                                for name, value in request_headers.items()
                                if name.lower() not in credentials
                            }
                        current, query = next_url, None  # params went into the first URL
                        continue
                    body = _read_body(response, target, max_bytes, clock)
                    return FetchResult(
                        url=target,
                        status=response.status_code,
                        content_type=response.headers.get("Content-Type", ""),
                        body=body,
                        sha256=hashlib.sha256(body).hexdigest(),
                        duration_ms=int((time.monotonic() - started) * 1000),
                        link=response.headers.get("Link", ""),
                    )
    finally:
        _CURRENT_DEADLINE.reset(token)
        clock.cancel()


def _origin(url: str) -> tuple[str, str, int | None]:
    try:
        parts = urlsplit(url)
        port = parts.port or {"http": 80, "https": 443}.get(parts.scheme)
        return parts.scheme, (parts.hostname or ""), port
    except ValueError:
        return "", url, None


def _deadline_error(clock: _Deadline, url: str) -> FetchError:
    return _error(FetchError.TIMEOUT, f"The deadline of {clock.seconds} s passed.", url)


_NETWORK_ERRORS = (
    requests.RequestException,
    urllib3.exceptions.HTTPError,
    http.client.HTTPException,
    OSError,
)


def _send(
    session: requests.Session,
    url: str,
    headers: dict,
    clock: _Deadline,
    connect_timeout: float,
    read_timeout: float,
    *,
    method: str = "GET",
    data: bytes | None = None,
) -> requests.Response:
    request = session.prepare_request(
        requests.Request(method, url, headers=dict(headers), data=data)
    )
    remaining = max(clock.remaining(), 0.001)
    timeout = (min(connect_timeout, remaining), min(read_timeout, remaining))
    try:
        return session.send(request, timeout=timeout, allow_redirects=False, stream=True)
    except InvalidIPAddress as exc:
        raise _error(FetchError.BLOCKED, _blocked_address_message(url, exc), url) from None
    except (requests.exceptions.InvalidURL, requests.exceptions.InvalidSchema) as exc:
        raise _error(FetchError.BAD_URL, f"Invalid URL: {exc}", url) from None
    except requests.exceptions.SSLError as exc:
        refusal = _certificate_failure(exc)
        if refusal is not None:  # retrying will not make the certificate valid
            message = f"The TLS certificate was refused: {refusal}"
            raise _error(FetchError.CERTIFICATE, message, url) from None
        raise _error(FetchError.CONNECTION, f"The TLS handshake failed: {exc}", url) from None
    except requests.Timeout as exc:
        raise _error(FetchError.TIMEOUT, f"Timed out: {exc}", url) from None
    except _NETWORK_ERRORS as exc:
        if clock.expired:
            raise _deadline_error(clock, url) from None
        raise _error(FetchError.CONNECTION, f"Connection failed: {exc}", url) from None


def _blocked_address_message(url: str, address: object) -> str:
    """Say which name led to the refused address: the URL alone does not show it."""
    host = urlsplit(url).hostname or ""
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return f"The host {host!r} resolves to {address}, which is not allowed."
    return f"The address {address} is not allowed."


def _certificate_failure(error: BaseException) -> BaseException | None:
    """The certificate verification error (untrusted, expired, wrong name) behind a TLS error,
    or None for a handshake that failed otherwise. It is nested in urllib3's wrappers."""
    pending: list[BaseException] = [error]
    seen: set[int] = set()
    while pending:
        current = pending.pop()
        if id(current) in seen:
            continue
        seen.add(id(current))
        if isinstance(current, ssl.SSLCertVerificationError | CertificateError):
            return current
        linked = (current.__cause__, current.__context__, getattr(current, "reason", None))
        pending.extend(e for e in (*linked, *current.args) if isinstance(e, BaseException))
    return None


def _read_body(response: requests.Response, url: str, max_bytes: int, clock: _Deadline) -> bytes:
    declared = response.headers.get("Content-Length", "").strip()
    # A server's own digits only ('²' passes isdigit() and fails int()); a length too long
    # for int() to read is over any cap.
    if (
        declared.isascii()
        and declared.isdigit()
        and (len(declared) > 30 or int(declared) > max_bytes)
    ):
        raise _error(
            FetchError.TOO_LARGE,
            f"The body announces {declared[:40]} bytes, over the cap of {max_bytes}.",
            url,
        )
    chunks: list[bytes] = []
    total = 0
    try:
        while True:
            if clock.expired:
                break
            # read1 returns what has arrived instead of waiting for a full chunk; asking for
            # one byte past what fits is how we learn the body is too large. Decoded bytes
            # are counted, so a compressed bomb stops at the cap too.
            chunk = response.raw.read1(min(CHUNK_BYTES, max_bytes + 1 - total), decode_content=True)
            if not chunk:
                break
            total += len(chunk)
            if total > max_bytes:
                raise _error(
                    FetchError.TOO_LARGE, f"The body is over the cap of {max_bytes} bytes.", url
                )
            chunks.append(chunk)
    except (urllib3.exceptions.ReadTimeoutError, requests.Timeout, TimeoutError) as exc:
        raise _error(FetchError.TIMEOUT, f"Timed out reading the body: {exc}", url) from None
    except _NETWORK_ERRORS as exc:
        if clock.expired:
            raise _deadline_error(clock, url) from None
        raise _error(FetchError.CONNECTION, f"Reading the body failed: {exc}", url) from None
    if clock.expired:  # the watchdog's shutdown reads as the end of the body
        raise _deadline_error(clock, url)
    return b"".join(chunks)

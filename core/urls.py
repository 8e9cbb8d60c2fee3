"""Where the orchestrator may send a person's data: agencies' webhook and withdrawal URLs.

A URL is checked when it is registered and again just before each request, since what a name
resolves to can change in between. Only ``http`` and ``https``, no user name or password, and
every address the host resolves to must be public: loopback, private, link-local (cloud
metadata), multicast, unspecified and reserved addresses are refused, also when hidden in an
IPv6 form (IPv4-mapped, 6to4, NAT64) or a numeric spelling such as ``http://2130706433/``
(resolution reads those the way the HTTP client would). Networks an operator lists in
AGENCY_URL_ALLOWED_NETWORKS are allowed anyway (the dev stack's agencies listen on loopback).

A request is then sent to the address that was checked (``pinned``), not to whatever the name
resolves to a moment later.
"""

import ipaddress
import socket
from typing import Any
from urllib.parse import urlsplit

import httpx

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
Network = ipaddress.IPv4Network | ipaddress.IPv6Network

_NAT64 = ipaddress.ip_network("64:ff9b::/96")


class AgencyUrlError(ValueError):
    """A URL the orchestrator will not send to; the message says why."""


class UnresolvedHost(AgencyUrlError):
    """The host name does not resolve (now): nothing to check yet, nothing to send to."""


def parse_networks(text: str) -> tuple[Network, ...]:
    """``"127.0.0.0/8, ::1/128"`` as networks; a malformed one raises ValueError."""
    return tuple(
        ipaddress.ip_network(part.strip(), strict=False) for part in text.split(",") if part.strip()
    )


def _embedded_ipv4(address: IPAddress) -> ipaddress.IPv4Address | None:
    """The IPv4 address an IPv6 one carries (mapped, compatible, 6to4, NAT64), if any."""
    if not isinstance(address, ipaddress.IPv6Address):
        return None
    if address.ipv4_mapped is not None:
        return address.ipv4_mapped
    if address.sixtofour is not None:
        return address.sixtofour
    if address in _NAT64 or int(address) >> 32 == 0:
        return ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
    return None


def _refusal(address: IPAddress) -> str | None:
    """Why this address is not one to send to, or None for a public one."""
    for candidate in (_embedded_ipv4(address), address):
        if candidate is None:
            continue
        if candidate.is_unspecified:
            return "unspecified"
        if candidate.is_loopback:
            return "loopback"
        if candidate.is_link_local:
            return "link-local"
        if candidate.is_multicast:
            return "multicast"
        if candidate.is_private:
            return "private"
        if candidate.is_reserved:
            return "reserved"
        if not candidate.is_global:
            return "non-public"
    return None


def _allowed(address: IPAddress, allowed: tuple[Network, ...]) -> bool:
    candidates = [address, _embedded_ipv4(address)]
    return any(
        candidate is not None and candidate.version == network.version and candidate in network
        for candidate in candidates
        for network in allowed
    )


def resolve(host: str, port: int) -> list[IPAddress]:
    """Every address ``host`` resolves to (a literal address resolves to itself)."""
    try:
        answers = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as error:
        raise UnresolvedHost(f"the host '{host}' does not resolve") from error
    addresses: list[IPAddress] = []
    for *_, sockaddr in answers:
        address = ipaddress.ip_address(str(sockaddr[0]).split("%", 1)[0])
        if address not in addresses:
            addresses.append(address)
    if not addresses:
        raise UnresolvedHost(f"the host '{host}' does not resolve")
    return addresses


def check_agency_url(url: str, allowed: tuple[Network, ...] = ()) -> list[IPAddress]:
    """The addresses ``url`` may be sent to; AgencyUrlError (UnresolvedHost when the name
    does not resolve) when it may not be."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as error:
        raise AgencyUrlError(f"not a valid URL: {error}") from error
    scheme = parts.scheme.lower()
    if scheme not in ("http", "https"):
        raise AgencyUrlError("only http and https URLs are allowed")
    if "@" in parts.netloc:
        raise AgencyUrlError("a URL must not carry a user name or password")
    host = parts.hostname
    if not host:
        raise AgencyUrlError("the URL has no host")
    addresses = resolve(host, port or (443 if scheme == "https" else 80))
    for address in addresses:
        reason = None if _allowed(address, allowed) else _refusal(address)
        if reason is not None:
            article = "an" if reason[0] in "aeiou" else "a"
            raise AgencyUrlError(
                f"'{host}' resolves to {address}, {article} {reason} address: "
                "the address is not allowed"
            )
    return addresses


def pinned(url: str, address: IPAddress) -> tuple[str, dict[str, str], dict[str, Any]]:
    """``url`` sent to ``address``: the URL with the address as its host, the Host header and
    the TLS server name of the original (so certificates are still checked against it)."""
    original = httpx.URL(url)
    target = original.copy_with(host=str(address))
    host_header = original.netloc.decode("ascii")
    extensions: dict[str, Any] = {}
    if original.scheme == "https":
        extensions["sni_hostname"] = original.host
    return str(target), {"Host": host_header}, extensions

"""Outbound HTTP calls to user-given URLs, safe against SSRF.

Only http(s). The host name is resolved **once**; every address must be
public (``ipaddress``'s own ``is_global`` plus the special forms below), and
the connection then goes to the checked address (pinned), so a DNS answer
that changes between check and connect (rebinding) cannot reach loopback or
the private network. The request keeps the original ``Host`` header and, for
https, the original name for TLS SNI and certificate verification (httpx's
documented ``sni_hostname`` request extension).

IPv6 forms that carry an IPv4 address are refused outright (NAT64
``64:ff9b::/96`` and ``64:ff9b:1::/48``, IPv4-compatible ``::a.b.c.d``, 6to4
``2002::/16``, Teredo) — except IPv4-mapped ``::ffff:a.b.c.d``, which is
unwrapped and judged (and connected to) as the IPv4 address it is.

Private targets are allowed only when the operator sets
REACH_WEBHOOK_ALLOW_PRIVATE=1 (`Settings.webhook_allow_private`; the address
is still pinned). Redirects are not followed; proxies from the environment
are ignored (they would connect on our behalf to an unchecked address); 10 s
timeout; at most 64 KiB of the answer is kept.
"""

from __future__ import annotations

import ipaddress
import socket
import ssl
from dataclasses import dataclass
from urllib.parse import urlsplit

import httpx

from reach_app.settings import get_settings

TIMEOUT_SECONDS = 10.0
MAX_BODY = 64 * 1024

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address

# Certificate verification for https targets: True means the system/certifi
# trust store. Tests replace it with a context trusting their own CA.
_tls_verify: ssl.SSLContext | bool = True

_IPV4_CARRYING_V6 = (
    ipaddress.IPv6Network("64:ff9b::/96"),  # NAT64 well-known prefix (RFC 6052)
    ipaddress.IPv6Network("64:ff9b:1::/48"),  # local-use NAT64 (RFC 8215)
    ipaddress.IPv6Network("::/96"),  # IPv4-compatible (deprecated, RFC 4291)
)


class UnsafeUrl(ValueError):
    pass


@dataclass(frozen=True)
class WebhookResponse:
    status_code: int
    body: str


def _is_public_v4(address: ipaddress.IPv4Address) -> bool:
    return (
        address.is_global
        and not address.is_multicast
        and not address.is_reserved
        and not address.is_loopback
        and not address.is_link_local
        and not address.is_unspecified
    )


def public_address(address: IPAddress) -> IPAddress | None:
    """The address to connect to if ``address`` is public, else None."""
    if isinstance(address, ipaddress.IPv4Address):
        return address if _is_public_v4(address) else None
    if address.scope_id:
        return None
    mapped = address.ipv4_mapped
    if mapped is not None:
        return mapped if _is_public_v4(mapped) else None
    if address.sixtofour is not None or address.teredo is not None:
        return None
    if any(address in network for network in _IPV4_CARRYING_V6):
        return None
    safe = (
        address.is_global
        and not address.is_multicast
        and not address.is_reserved
        and not address.is_loopback
        and not address.is_link_local
        and not address.is_site_local
        and not address.is_unspecified
    )
    return address if safe else None


def resolve(host: str, port: int) -> list[IPAddress]:
    """All addresses of ``host`` (an IP literal resolves to itself)."""
    try:
        return [ipaddress.ip_address(host)]
    except ValueError:
        pass
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, proto=socket.IPPROTO_TCP)
    except (socket.gaierror, UnicodeError) as exc:
        raise UnsafeUrl(f"Host {host} does not resolve") from exc
    addresses: list[IPAddress] = []
    for info in infos:
        address = ipaddress.ip_address(str(info[4][0]).split("%", 1)[0])
        if address not in addresses:
            addresses.append(address)
    if not addresses:
        raise UnsafeUrl(f"Host {host} does not resolve")
    return addresses


def checked_addresses(url: str) -> list[IPAddress]:
    """Resolve the URL's host once and return the addresses it is safe to connect to.

    Raises UnsafeUrl when the URL is not http(s) or any address is not public.
    """
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise UnsafeUrl("Only http:// and https:// URLs with a host are allowed")
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError as exc:
        raise UnsafeUrl("The URL has an invalid port") from exc
    addresses = resolve(parts.hostname, port)
    if get_settings().webhook_allow_private:
        return [a.ipv4_mapped or a if isinstance(a, ipaddress.IPv6Address) else a for a in addresses]
    pinned: list[IPAddress] = []
    for address in addresses:
        safe = public_address(address)
        if safe is None:
            raise UnsafeUrl(f"Host {parts.hostname} resolves to a non-public address")
        pinned.append(safe)
    return pinned


def check_url(url: str) -> None:
    checked_addresses(url)


def _host_header(url: httpx.URL) -> str:
    host = url.raw_host.decode("ascii")
    if ":" in host:
        host = f"[{host}]"
    default_port = {"http": 80, "https": 443}[url.scheme]
    if url.port is not None and url.port != default_port:
        return f"{host}:{url.port}"
    return host


def call(url: str, method: str = "POST", headers: dict[str, str] | None = None, body: object = None) -> WebhookResponse:
    addresses = checked_addresses(url)
    target = httpx.URL(url)
    sent_headers = {k: v for k, v in (headers or {}).items() if k.lower() != "host"}
    sent_headers["Host"] = _host_header(target)
    server_name = target.raw_host.decode("ascii")
    extensions = {"sni_hostname": server_name} if target.scheme == "https" else {}
    last_error: httpx.TransportError | None = None
    with httpx.Client(
        timeout=TIMEOUT_SECONDS, follow_redirects=False, trust_env=False, verify=_tls_verify
    ) as client:
        for address in addresses:
            pinned = target.copy_with(host=str(address))
            request = client.build_request(
                method.upper(), pinned, headers=sent_headers, json=body, extensions=extensions
            )
            try:
                response = client.send(request, stream=True)
            except (httpx.ConnectError, httpx.ConnectTimeout) as exc:
                last_error = exc
                continue
            try:
                return WebhookResponse(response.status_code, _read_capped(response))
            finally:
                response.close()
    assert last_error is not None
    raise last_error


def _read_capped(response: httpx.Response) -> str:
    kept = bytearray()
    for chunk in response.iter_bytes():
        kept.extend(chunk[: MAX_BODY - len(kept)])
        if len(kept) >= MAX_BODY:
            break
    return kept.decode(response.encoding or "utf-8", errors="replace")

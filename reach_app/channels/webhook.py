"""Outbound HTTP calls to user-given URLs, safe against SSRF.

Only http(s); the host must resolve to public addresses only (no loopback,
private, link-local, multicast or reserved ranges — unless the operator
allows private targets with REACH_WEBHOOK_ALLOW_PRIVATE=1); redirects are
not followed; 10 s timeout; at most 64 KiB of the answer is kept.
"""

from __future__ import annotations

import ipaddress
import os
import socket
from dataclasses import dataclass
from urllib.parse import urlsplit

import httpx

TIMEOUT_SECONDS = 10.0
MAX_BODY = 64 * 1024


class UnsafeUrl(ValueError):
    pass


@dataclass(frozen=True)
class WebhookResponse:
    status_code: int
    body: str


def check_url(url: str) -> None:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise UnsafeUrl("Only http:// and https:// URLs with a host are allowed")
    if os.environ.get("REACH_WEBHOOK_ALLOW_PRIVATE") == "1":
        return
    try:
        infos = socket.getaddrinfo(parts.hostname, parts.port or 443, proto=socket.IPPROTO_TCP)
    except socket.gaierror as exc:
        raise UnsafeUrl(f"Host {parts.hostname} does not resolve") from exc
    for info in infos:
        address = ipaddress.ip_address(info[4][0])
        if not address.is_global or address.is_multicast:
            raise UnsafeUrl(f"Host {parts.hostname} resolves to a non-public address")


def call(url: str, method: str = "POST", headers: dict[str, str] | None = None, body: object = None) -> WebhookResponse:
    check_url(url)
    with httpx.Client(timeout=TIMEOUT_SECONDS, follow_redirects=False) as client:
        response = client.request(method.upper(), url, headers=headers or {}, json=body)
    return WebhookResponse(response.status_code, response.text[:MAX_BODY])

"""Webhook calls: resolved once, every address checked, the connection pinned to it."""

from __future__ import annotations

import datetime as dt
import socket
import ssl
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path

import httpx
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from reach_app.channels import webhook
from reach_app.channels.webhook import UnsafeUrl, call, check_url

PUBLIC = "93.184.216.34"
_real_getaddrinfo = socket.getaddrinfo
_real_create_connection = socket.create_connection


class _Recorder(BaseHTTPRequestHandler):
    hits: list[dict[str, str]]

    def _answer(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        self.rfile.read(length)
        self.server.hits.append({"path": self.path, "host": self.headers.get("Host", "")})  # type: ignore[attr-defined]
        if self.path == "/redirect":
            self.send_response(302)
            self.send_header("Location", "http://127.0.0.1:1/elsewhere")
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        payload = b"secret local answer"
        self.send_response(200)
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    do_POST = _answer  # noqa: N815 (http.server API)
    do_GET = _answer  # noqa: N815

    def log_message(self, *args: object) -> None:
        return


def _serve(server: HTTPServer) -> Iterator[HTTPServer]:
    server.hits = []  # type: ignore[attr-defined]
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture
def local_server() -> Iterator[HTTPServer]:
    yield from _serve(HTTPServer(("127.0.0.1", 0), _Recorder))


def _fake_dns(monkeypatch: pytest.MonkeyPatch, answers: dict[str, list[str]]) -> list[str]:
    """Answer names in ``answers`` from successive entries (the last one repeats)."""
    asked: list[str] = []

    def getaddrinfo(host, port, *args, **kwargs):  # type: ignore[no-untyped-def]
        name = host.decode() if isinstance(host, bytes) else host
        if name not in answers:
            return _real_getaddrinfo(host, port, *args, **kwargs)
        asked.append(name)
        queue = answers[name]
        address = queue.pop(0) if len(queue) > 1 else queue[0]
        return [(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP, "", (address, int(port or 0)))]

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    return asked


def test_a_name_that_rebinds_to_loopback_after_the_check_never_reaches_the_local_server(
    monkeypatch: pytest.MonkeyPatch, local_server: HTTPServer
) -> None:
    monkeypatch.delenv("REACH_WEBHOOK_ALLOW_PRIVATE", raising=False)
    port = local_server.server_address[1]
    _fake_dns(monkeypatch, {"rebind.example.test": [PUBLIC, "127.0.0.1"]})
    connected: list[str] = []

    def create_connection(address, *args, **kwargs):  # type: ignore[no-untyped-def]
        connected.append(address[0])
        if address[0] == PUBLIC:  # no internet in tests: the pinned public address refuses
            raise ConnectionRefusedError("public test address")
        return _real_create_connection(address, *args, **kwargs)

    monkeypatch.setattr(socket, "create_connection", create_connection)

    with pytest.raises(httpx.ConnectError):
        call(f"http://rebind.example.test:{port}/hook", body={"x": 1})

    assert local_server.hits == []  # type: ignore[attr-defined]
    assert connected == [PUBLIC]


def test_the_pinned_connection_keeps_the_original_host_header(
    monkeypatch: pytest.MonkeyPatch, local_server: HTTPServer
) -> None:
    monkeypatch.setenv("REACH_WEBHOOK_ALLOW_PRIVATE", "1")
    port = local_server.server_address[1]
    asked = _fake_dns(monkeypatch, {"hooks.example.test": ["127.0.0.1"]})

    response = call(f"http://hooks.example.test:{port}/hook", headers={"Host": "evil"}, body={"x": 1})

    assert response.status_code == 200
    assert response.body == "secret local answer"
    assert asked == ["hooks.example.test"]  # resolved once, by the check
    assert local_server.hits == [{"path": "/hook", "host": f"hooks.example.test:{port}"}]  # type: ignore[attr-defined]


def test_redirects_are_answered_not_followed(monkeypatch: pytest.MonkeyPatch, local_server: HTTPServer) -> None:
    monkeypatch.setenv("REACH_WEBHOOK_ALLOW_PRIVATE", "1")
    port = local_server.server_address[1]

    response = call(f"http://127.0.0.1:{port}/redirect")

    assert response.status_code == 302
    assert [hit["path"] for hit in local_server.hits] == ["/redirect"]  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    "host",
    [
        "127.0.0.1", "10.0.0.1", "169.254.169.254", "100.64.0.1", "0.0.0.0", "224.0.0.1",
        "255.255.255.255", "198.18.0.1", "192.0.0.1",
        "[::1]", "[::]", "[fe80::1]", "[fc00::1]", "[ff02::1]", "[2001:db8::1]",
        "[::127.0.0.1]",  # IPv4-compatible
        "[::8.8.8.8]",
        "[::ffff:127.0.0.1]",  # IPv4-mapped
        "[64:ff9b::7f00:1]",  # NAT64
        "[64:ff9b::808:808]",
        "[64:ff9b:1::7f00:1]",
        "[2002:7f00:1::]",  # 6to4
        "[2002:808:808::]",
        "[2001:0:4136:e378:8000:63bf:3fff:fdd2]",  # Teredo
    ],
)
def test_non_public_and_ipv4_carrying_ipv6_addresses_are_refused(
    monkeypatch: pytest.MonkeyPatch, host: str
) -> None:
    monkeypatch.delenv("REACH_WEBHOOK_ALLOW_PRIVATE", raising=False)
    with pytest.raises(UnsafeUrl):
        check_url(f"http://{host}/hook")


@pytest.mark.parametrize("host", ["8.8.8.8", "[2606:4700:4700::1111]", "[::ffff:8.8.8.8]"])
def test_public_addresses_pass_the_check(monkeypatch: pytest.MonkeyPatch, host: str) -> None:
    monkeypatch.delenv("REACH_WEBHOOK_ALLOW_PRIVATE", raising=False)
    check_url(f"https://{host}/hook")


def test_a_name_with_one_private_address_among_public_ones_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("REACH_WEBHOOK_ALLOW_PRIVATE", raising=False)

    def getaddrinfo(host, port, *args, **kwargs):  # type: ignore[no-untyped-def]
        return [
            (socket.AF_INET, socket.SOCK_STREAM, 6, "", (PUBLIC, port)),
            (socket.AF_INET, socket.SOCK_STREAM, 6, "", ("10.1.2.3", port)),
        ]

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    with pytest.raises(UnsafeUrl):
        check_url("https://mixed.example.test/hook")


# --- https: SNI and certificate verification stay on the original name -----------------


def _certificate(tmp_path: Path, name: str) -> tuple[ssl.SSLContext, ssl.SSLContext]:
    """A CA, a server certificate for ``name``; returns (server context, client context)."""
    now = dt.datetime.now(dt.UTC)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Reach test CA")])
    ca = (
        x509.CertificateBuilder().subject_name(ca_name).issuer_name(ca_name)
        .public_key(ca_key.public_key()).serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1)).not_valid_after(now + dt.timedelta(days=1))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(ca_key, hashes.SHA256())
    )
    key = ec.generate_private_key(ec.SECP256R1())
    cert = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)]))
        .issuer_name(ca_name).public_key(key.public_key()).serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1)).not_valid_after(now + dt.timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName(name)]), critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    cert_file, key_file = tmp_path / "server.pem", tmp_path / "server.key"
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
    )
    server_context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    server_context.load_cert_chain(cert_file, key_file)
    client_context = ssl.create_default_context(
        cadata=ca.public_bytes(serialization.Encoding.PEM).decode()
    )
    return server_context, client_context


@pytest.fixture
def tls_server(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[HTTPServer, list[str]]]:
    server_context, client_context = _certificate(tmp_path, "hooks.example.test")
    server_names: list[str] = []

    def remember(sock: ssl.SSLObject, name: str | None, context: ssl.SSLContext) -> None:
        server_names.append(name or "")

    server_context.sni_callback = remember  # type: ignore[assignment]
    server = HTTPServer(("127.0.0.1", 0), _Recorder)
    server.socket = server_context.wrap_socket(server.socket, server_side=True)
    monkeypatch.setattr(webhook, "_tls_verify", client_context)
    monkeypatch.setenv("REACH_WEBHOOK_ALLOW_PRIVATE", "1")
    for running in _serve(server):
        yield running, server_names


def test_https_to_the_pinned_address_sends_the_original_name_for_sni_and_verifies_it(
    monkeypatch: pytest.MonkeyPatch, tls_server: tuple[HTTPServer, list[str]]
) -> None:
    server, server_names = tls_server
    port = server.server_address[1]
    _fake_dns(monkeypatch, {"hooks.example.test": ["127.0.0.1"]})

    response = call(f"https://hooks.example.test:{port}/hook", body={"x": 1})

    assert response.status_code == 200
    assert server_names == ["hooks.example.test"]
    assert server.hits == [{"path": "/hook", "host": f"hooks.example.test:{port}"}]  # type: ignore[attr-defined]


def test_https_refuses_a_certificate_for_another_name(
    monkeypatch: pytest.MonkeyPatch, tls_server: tuple[HTTPServer, list[str]]
) -> None:
    server, _ = tls_server
    port = server.server_address[1]
    _fake_dns(monkeypatch, {"other.example.test": ["127.0.0.1"]})

    with pytest.raises(httpx.ConnectError):
        call(f"https://other.example.test:{port}/hook", body={"x": 1})
    assert server.hits == []  # type: ignore[attr-defined]

"""Real servers on loopback that play what an attacker points the portal at: an internal service with
its own pages, over http or TLS, recording what reached it (Host header, TLS server name)."""

from __future__ import annotations

import datetime
import json
import socket
import ssl
import tempfile
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID


@dataclass
class LocalServer:
    port: int
    routes: dict[str, tuple[int, object]]
    hits: list[dict] = field(default_factory=list)
    server_names: list[str | None] = field(default_factory=list)

    def url(self, host: str = "127.0.0.1", scheme: str = "http") -> str:
        return f"{scheme}://{host}:{self.port}"


def _handler(server: LocalServer):
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802 - http.server's naming
            server.hits.append({"path": self.path, "host": self.headers.get("Host")})
            status, body = server.routes.get(self.path.split("?")[0], (404, {"errors": [{"message": "no route"}]}))
            raw = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(raw)))
            self.end_headers()
            self.wfile.write(raw)

        def log_message(self, *args):
            pass

    return Handler


@contextmanager
def local_server(routes: dict[str, tuple[int, object]], *, tls_for: str | None = None) -> Iterator[LocalServer]:
    """Serve `routes` ({path: (status, json body)}) on 127.0.0.1; with `tls_for`, over TLS with a
    certificate for that name (see `self_signed`)."""
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), BaseHTTPRequestHandler)
    state = LocalServer(port=httpd.server_address[1], routes=routes)
    httpd.RequestHandlerClass = _handler(state)
    if tls_for:
        cert_pem, key_pem = self_signed(tls_for)
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        with tempfile.NamedTemporaryFile("wb", suffix=".pem") as cert, \
                tempfile.NamedTemporaryFile("wb", suffix=".pem") as key:
            cert.write(cert_pem), key.write(key_pem)
            cert.flush(), key.flush()
            context.load_cert_chain(cert.name, key.name)

        def remember_name(sock, name, ctx):
            state.server_names.append(name)

        context.sni_callback = remember_name
        httpd.socket = context.wrap_socket(httpd.socket, server_side=True)
        state.cert_pem = cert_pem
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield state
    finally:
        httpd.shutdown()
        httpd.server_close()


def self_signed(name: str) -> tuple[bytes, bytes]:
    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
    now = datetime.datetime.now(datetime.UTC)
    cert = (
        x509.CertificateBuilder().subject_name(subject).issuer_name(subject).public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5)).not_valid_after(now + datetime.timedelta(hours=1))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName(name)]), critical=False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    return (cert.public_bytes(serialization.Encoding.PEM),
            key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                              serialization.NoEncryption()))


class FakeDns:
    """The resolver an attacker controls, for the names given; every other name resolves for real.
    Each name has a list of answers given in turn (the last one repeats): a rebinding resolver."""

    def __init__(self, real) -> None:
        self.real = real
        self.answers: dict[str, list[str]] = {}
        self.asked: list[str] = []

    def set(self, name: str, *answers: str) -> None:
        self.answers[name] = list(answers)

    def __call__(self, host, port, family=0, type=0, proto=0, flags=0):
        name = host.decode() if isinstance(host, bytes) else host
        if name not in self.answers:
            return self.real(host, port, family, type, proto, flags)
        self.asked.append(name)
        queue = self.answers[name]
        address = queue.pop(0) if len(queue) > 1 else queue[0]
        fam = socket.AF_INET6 if ":" in address else socket.AF_INET
        sockaddr = (address, int(port or 0), 0, 0) if fam == socket.AF_INET6 else (address, int(port or 0))
        return [(fam, socket.SOCK_STREAM, socket.IPPROTO_TCP, "", sockaddr)]

"""`assistant services serve` refuses what it should: malformed requests, other origins,
unauthenticated side effects beyond loopback, slow clients; and it takes a burst."""

from __future__ import annotations

import http.client
import json
import os
import signal
import socket
import subprocess
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from assistant.cli import cli
from assistant.services import Catalog, ServiceDirectory
from assistant.services import server as server_module
from assistant.services.samples import bundled_services
from assistant.services.server import ServiceServer, make_server

ORDER = "/services/starbucks/actions/order_drink"
QUOTE = "/services/starbucks/actions/quote_drink"
LATTE = {"drink": "latte", "size": "large"}


def _directory(data_dir: Path) -> ServiceDirectory:
    catalog = Catalog(strict=True)
    for manifest, handlers in bundled_services():
        catalog.add(manifest, "bundled", handlers)
    return catalog.directory(data_dir=data_dir)


@pytest.fixture
def served(tmp_path: Path) -> Iterator[tuple[ServiceServer, ServiceDirectory]]:
    directory = _directory(tmp_path)
    server = make_server(directory, "127.0.0.1", 0)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield server, directory
    finally:
        server.shutdown()
        server.server_close()
        directory.close()


def _raw(server: ServiceServer, data: bytes, wait: float = 10.0) -> tuple[int, dict[str, Any]]:
    """Send bytes as they are; the status and JSON body of the answer (which must come)."""
    with socket.create_connection(server.server_address[:2], timeout=wait) as sock:
        sock.sendall(data)
        reply = b""
        while b"\r\n\r\n" not in reply:
            chunk = sock.recv(65536)
            assert chunk, f"the server closed without answering: {reply!r}"
            reply += chunk
        head, _, body = reply.partition(b"\r\n\r\n")
        lines = head.decode("latin-1").split("\r\n")
        headers = {k.lower(): v.strip() for k, _, v in (h.partition(":") for h in lines[1:])}
        assert headers["content-type"].startswith("application/json")
        while len(body) < int(headers["content-length"]):
            chunk = sock.recv(65536)
            assert chunk, "the answer was cut short"
            body += chunk
    return int(lines[0].split()[1]), json.loads(body)


def _post(
    server: ServiceServer, path: str, body: bytes, headers: dict[str, str]
) -> tuple[int, dict[str, Any]]:
    conn = http.client.HTTPConnection(*server.server_address[:2], timeout=10)
    try:
        conn.request("POST", path, body=body, headers=headers)
        response = conn.getresponse()
        return response.status, json.loads(response.read())
    finally:
        conn.close()


def _order(server: ServiceServer, **headers: str) -> tuple[int, dict[str, Any]]:
    sent = {"Content-Type": "application/json", **headers}
    return _post(server, ORDER, json.dumps(LATTE).encode(), sent)


def _request(length_header: str | None, body: bytes = b"", path: str = ORDER) -> bytes:
    lines = [f"POST {path} HTTP/1.1", "Host: 127.0.0.1", "Content-Type: application/json"]
    if length_header is not None:
        lines.append(f"Content-Length: {length_header}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + body


def _one_line(body: dict[str, Any]) -> str:
    message = body["error"]
    assert isinstance(message, str) and message and "\n" not in message
    return message


@pytest.mark.parametrize(
    ("request_bytes", "status"),
    [
        (_request("abc", b"{}"), 400),
        (_request("-5", b"{}"), 400),
        (_request("+2", b"{}"), 400),
        (_request(None), 411),
        (_request("100000"), 413),  # refused before the body is read: no body needed
        (_request("99999999999999999999999999"), 413),
        (_request("abc", b"{}").replace(b"Content-Type: application/json\r\n", b""), 400),
    ],
    ids=["letters", "negative", "signed", "missing", "over-limit", "huge", "letters-no-type"],
)
def test_bad_content_length_is_refused(
    served: tuple[ServiceServer, ServiceDirectory], request_bytes: bytes, status: int
) -> None:
    server, directory = served
    got, body = _raw(server, request_bytes)
    assert got == status, body
    _one_line(body)
    assert directory.store.orders("starbucks") == []


def _sized(body: bytes) -> bytes:
    return _request(str(len(body)), body)


@pytest.mark.parametrize(
    "body",
    [
        b"[" * 5000 + b"]" * 5000,  # beyond the parser's recursion limit
        b'{"drink": ' + b"[" * 200 + b"]" * 200 + b"}",  # parses, but no argument is this deep
        b'{"drink": "latte", "quantity": ' + b"9" * 5000 + b"}",  # int-str limit
        b'{"drink": "latte", "quantity": NaN}',
        b'{"drink": "latte",',
        b"\xff\xfe not utf-8",
        b'["latte"]',
        b'"latte"',
    ],
    ids=["deep", "deep-inside", "long-int", "nan", "invalid", "bytes", "array", "string"],
)
def test_bad_json_is_a_400(served: tuple[ServiceServer, ServiceDirectory], body: bytes) -> None:
    server, directory = served
    status, reply = _raw(server, _sized(body))
    assert status == 400, reply
    _one_line(reply)
    assert directory.store.orders("starbucks") == []


def test_a_well_formed_order_still_goes_through(
    served: tuple[ServiceServer, ServiceDirectory],
) -> None:
    server, directory = served
    status, reply = _raw(server, _sized(json.dumps(LATTE).encode()))
    assert status == 200 and reply["order_no"]
    assert len(directory.store.orders("starbucks")) == 1


def test_body_shorter_than_its_length_times_out_with_a_408(
    served: tuple[ServiceServer, ServiceDirectory], monkeypatch: pytest.MonkeyPatch
) -> None:
    server, directory = served
    monkeypatch.setattr(server_module._Handler, "timeout", 0.5)
    started = time.monotonic()
    status, reply = _raw(server, _request("40", b'{"drink":'))
    assert status == 408 and time.monotonic() - started < 5
    _one_line(reply)
    assert directory.store.orders("starbucks") == []


def test_an_idle_connection_is_closed(
    served: tuple[ServiceServer, ServiceDirectory], monkeypatch: pytest.MonkeyPatch
) -> None:
    assert 0 < server_module._Handler.timeout <= 30  # the real setting, not only the patch
    server, _ = served
    monkeypatch.setattr(server_module._Handler, "timeout", 0.5)
    with socket.create_connection(server.server_address[:2], timeout=10) as sock:
        sock.sendall(b"GET /services HT")  # a request line that never ends
        started = time.monotonic()
        while sock.recv(65536):
            pass
        assert time.monotonic() - started < 5


@pytest.mark.parametrize("content_type", ["text/plain", "application/x-www-form-urlencoded", None])
def test_a_post_that_is_not_json_is_a_415(
    served: tuple[ServiceServer, ServiceDirectory], content_type: str | None
) -> None:
    server, directory = served
    headers = {"Content-Type": content_type} if content_type else {}
    status, reply = _post(server, ORDER, json.dumps(LATTE).encode(), headers)
    assert status == 415, reply
    _one_line(reply)
    assert directory.store.orders("starbucks") == []


def test_another_origin_is_a_403(served: tuple[ServiceServer, ServiceDirectory]) -> None:
    server, directory = served
    for origin in (
        "http://evil.example",
        "null",
        f"http://localhost.evil.example:{server.server_address[1]}",
    ):
        status, reply = _order(server, Origin=origin)
        assert status == 403, (origin, reply)
        _one_line(reply)
    assert directory.store.orders("starbucks") == []
    conn = http.client.HTTPConnection(*server.server_address[:2], timeout=10)
    conn.request("GET", "/services", headers={"Origin": "http://evil.example"})
    assert conn.getresponse().status == 403
    conn.close()
    status, _ = _order(server, Origin=server.root)  # the server's own page may call
    assert status == 200 and len(directory.store.orders("starbucks")) == 1


def test_an_overlong_idempotency_key_is_a_400(
    served: tuple[ServiceServer, ServiceDirectory],
) -> None:
    server, directory = served
    status, reply = _order(server, **{"Idempotency-Key": "k" * 201})
    assert status == 400 and "Idempotency-Key" in _one_line(reply)
    assert directory.store.orders("starbucks") == []
    assert _order(server, **{"Idempotency-Key": "k" * 200})[0] == 200


def test_with_a_token_side_effects_need_it(tmp_path: Path) -> None:
    directory = _directory(tmp_path)
    server = make_server(directory, "127.0.0.1", 0, token="s3cret-token")
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        for auth in (None, "Bearer wrong", "s3cret-token", "Basic s3cret-token"):
            status, reply = _order(server, **({"Authorization": auth} if auth else {}))
            assert status == 401, (auth, reply)
            _one_line(reply)
        assert directory.store.orders("starbucks") == []
        quote = _post(
            server, QUOTE, json.dumps(LATTE).encode(), {"Content-Type": "application/json"}
        )
        assert quote[0] == 200  # no side effect, no token needed
        status, _ = _order(server, Authorization="Bearer s3cret-token")
        assert status == 200 and len(directory.store.orders("starbucks")) == 1
    finally:
        server.shutdown()
        server.server_close()
        directory.close()


def test_a_wildcard_address_is_not_advertised(tmp_path: Path) -> None:
    directory = _directory(tmp_path)
    server = make_server(directory, "0.0.0.0", 0)
    try:
        assert "0.0.0.0" not in server.root
        assert server.root == f"http://{socket.gethostname()}:{server.server_address[1]}"
    finally:
        server.server_close()
        directory.close()


def test_a_burst_of_connections_is_served(served: tuple[ServiceServer, ServiceDirectory]) -> None:
    server, _ = served
    assert server.request_queue_size >= 128
    assert server.root == f"http://127.0.0.1:{server.server_address[1]}"
    socks = [socket.create_connection(server.server_address[:2], timeout=10) for _ in range(50)]
    try:
        request = b"GET /services HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
        for sock in socks:
            sock.sendall(request)

        def answer(sock: socket.socket) -> bytes:
            reply = b""
            while chunk := sock.recv(65536):
                reply += chunk
            return reply

        with ThreadPoolExecutor(8) as pool:
            replies = list(pool.map(answer, socks))
        assert all(r.startswith(b"HTTP/1.1 200") for r in replies)
    finally:
        for sock in socks:
            sock.close()


def test_a_remote_address_needs_allow_remote() -> None:
    result = CliRunner().invoke(cli, ["services", "serve", "--host", "0.0.0.0", "--port", "0"])
    assert result.exit_code != 0
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and "--allow-remote" in lines[0]


def _env(tmp: Path, **extra: str) -> dict[str, str]:
    env = {**os.environ, "TING_DATA_DIR": str(tmp / "data")}
    env.pop("TING_LOAD_PLUGINS", None)
    env.pop("TING_SERVICES__TOKEN", None)
    env.update(extra)
    return env


def _serve_remote(tmp: Path, env: dict[str, str]) -> tuple[subprocess.Popen[bytes], str, int]:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    log = tmp / "serve.log"
    with log.open("w", encoding="utf-8") as err:
        process = subprocess.Popen(
            ["assistant", "services", "serve", "--host", "0.0.0.0", "--port", str(port)]
            + ["--allow-remote"],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=err,
            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
        )
    for _ in range(300):
        text = log.read_text("utf-8")
        if "Serving" in text or process.poll() is not None:
            break
        time.sleep(0.1)
    return process, log.read_text("utf-8"), port


def _stop(process: subprocess.Popen[bytes]) -> None:
    process.send_signal(signal.SIGINT)
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()


def _order_at(port: int, token: str | None) -> int:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    headers = {"Content-Type": "application/json"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    conn.request("POST", ORDER, body=json.dumps(LATTE), headers=headers)
    status = conn.getresponse().status
    conn.close()
    return status


def test_serving_beyond_loopback_warns_and_generates_a_token(tmp_path: Path) -> None:
    process, text, port = _serve_remote(tmp_path, _env(tmp_path))
    try:
        assert "Serving" in text, text
        assert "warning:" in text and "0.0.0.0" in text.split("Serving", 1)[0]
        assert f"http://0.0.0.0:{port}" not in text
        tokens = [line.rsplit(" ", 1)[1] for line in text.splitlines() if "Token" in line]
        assert len(tokens) == 1 and len(tokens[0]) >= 32
        assert _order_at(port, None) == 401
        assert _order_at(port, "not-it") == 401
        assert _order_at(port, tokens[0]) == 200
    finally:
        _stop(process)


def test_serving_beyond_loopback_takes_the_token_from_the_environment(tmp_path: Path) -> None:
    env = _env(tmp_path, TING_SERVICES__TOKEN="from-the-env-0123456789")
    process, text, port = _serve_remote(tmp_path, env)
    try:
        assert "Serving" in text and "warning:" in text, text
        assert "Token" not in text and "from-the-env" not in text  # not printed when given
        assert _order_at(port, None) == 401
        assert _order_at(port, "from-the-env-0123456789") == 200
    finally:
        _stop(process)

"""The in-process mini-programs as a local HTTP JSON API, described at /openapi.json."""

from __future__ import annotations

import hmac
import ipaddress
import json
import logging
import re
import socket
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from ..errors import ServiceError
from .directory import ServiceDirectory
from .invoke import IDEMPOTENCY_HEADER, ServiceCallError
from .manifest import ServiceManifest

__all__ = ["ServiceServer", "is_loopback", "make_server", "openapi", "remote_manifest"]

_LOGGER = logging.getLogger(__name__)

_MAX_BODY = 64 * 1024
_MAX_DEPTH = 32  # arguments are flat objects; anything deeper is not a request
_MAX_INT_DIGITS = 100
_MAX_KEY = 200  # the Idempotency-Key length the OpenAPI document promises
_IDLE_TIMEOUT = 5.0  # seconds a connection may sit idle (or trickle a request) before closing
_DIGITS = re.compile(r"[0-9]+")
_WILDCARD = ("", "0.0.0.0", "::")
_ACTION_PATH = re.compile(r"^/services/([a-z][a-z0-9_]*)/actions/([a-z][a-z0-9_]*)$")
_SERVICE_PATH = re.compile(r"^/services/([a-z][a-z0-9_]*)$")
_STATUS = {"refused": 422, "malformed": 502, "timeout": 504, "down": 503, "error": 500}


def remote_manifest(manifest: ServiceManifest, root: str) -> dict[str, Any]:
    """The manifest as a third party would publish it: with the base URL it answers at."""
    data = manifest.model_dump(mode="json", exclude_none=True)
    data["base_url"] = f"{root.rstrip('/')}/services/{manifest.id}"
    return data


def openapi(directory: ServiceDirectory, root: str) -> dict[str, Any]:
    """An OpenAPI 3.1 document: one POST operation per action of each in-process service."""
    error = {"$ref": "#/components/schemas/Error"}
    paths: dict[str, Any] = {
        "/services": {
            "get": {
                "summary": "List the mini-programs",
                "responses": {"200": {"description": "Manifests with their base URLs"}},
            }
        },
    }
    for manifest in _served(directory):
        paths[f"/services/{manifest.id}"] = {
            "get": {
                "summary": f"The {manifest.name} manifest",
                "tags": [manifest.id],
                "responses": {"200": {"description": "The manifest"}},
            }
        }
        for action in manifest.actions:
            operation: dict[str, Any] = {
                "operationId": f"{manifest.id}.{action.name}",
                "summary": action.description,
                "description": action.returns,
                "tags": [manifest.id],
                "x-side-effects": action.side_effects,
                "requestBody": {
                    "required": True,
                    "content": {"application/json": {"schema": action.json_schema()}},
                },
                "responses": {
                    "200": {
                        "description": action.returns or "The result",
                        "content": {"application/json": {"schema": {"type": "object"}}},
                    },
                    "400": {
                        "description": "Invalid arguments",
                        "content": {"application/json": {"schema": error}},
                    },
                    "422": {
                        "description": "The service refused",
                        "content": {"application/json": {"schema": error}},
                    },
                },
            }
            if action.side_effects:
                operation["parameters"] = [
                    {
                        "name": IDEMPOTENCY_HEADER,
                        "in": "header",
                        "required": False,
                        "description": (
                            "The same key returns the first result; nothing happens twice."
                        ),
                        "schema": {"type": "string", "maxLength": 200},
                    }
                ]
            paths[f"/services/{manifest.id}/actions/{action.name}"] = {"post": operation}
    return {
        "openapi": "3.1.0",
        "info": {"title": "Ting sample mini-programs", "version": "0.1.0"},
        "servers": [{"url": root}],
        "paths": paths,
        "components": {
            "schemas": {
                "Error": {
                    "type": "object",
                    "properties": {"error": {"type": "string"}},
                    "required": ["error"],
                }
            }
        },
    }


def _served(directory: ServiceDirectory) -> list[ServiceManifest]:
    return [m for m in directory.manifests() if not m.remote]


def is_loopback(host: str) -> bool:
    """Whether an address to listen on only answers this machine (127.0.0.0/8, ::1, localhost)."""
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


class ServiceServer(ThreadingHTTPServer):
    """A threading HTTP server bound to a directory.

    With a token, actions with side effects need ``Authorization: Bearer <token>``.
    """

    daemon_threads = True
    request_queue_size = 128  # a burst of clients waits in the backlog instead of being reset

    def __init__(
        self, address: tuple[str, int], directory: ServiceDirectory, token: str | None = None
    ) -> None:
        if ":" in address[0]:
            self.address_family = socket.AF_INET6
        super().__init__(address, _Handler)
        self.directory = directory
        self.token = token or None
        self.host = address[0]

    @property
    def root(self) -> str:
        """The base URL to advertise: a name clients can reach, never 0.0.0.0."""
        port = self.server_address[1]
        host = self.host
        if host in _WILDCARD:
            host = socket.gethostname()
        elif ":" in host:
            host = f"[{host.strip('[]')}]"
        return f"http://{host}:{port}"

    def origins(self) -> set[str]:
        """The origins a browser may send from: this server's own, under its names."""
        port = self.server_address[1]
        names = {self.root}
        if is_loopback(self.host) or self.host in _WILDCARD:
            names |= {f"http://{h}:{port}" for h in ("127.0.0.1", "localhost", "[::1]")}
        return {n.lower() for n in names}


class _BadRequest(Exception):
    """A request refused before anything runs: its status and a one-line reason."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON number")


def _bounded_int(text: str) -> int:
    if len(text.lstrip("-")) > _MAX_INT_DIGITS:
        raise ValueError("integer too long")
    return int(text)


def _depth(value: Any) -> int:
    """How deeply arrays and objects nest (iteratively: no recursion to exhaust)."""
    deepest, stack = 0, [(value, 1)]
    while stack:
        item, level = stack.pop()
        if isinstance(item, dict | list):
            deepest = max(deepest, level)
            if level > _MAX_DEPTH:
                break
            children = item.values() if isinstance(item, dict) else item
            stack.extend((child, level + 1) for child in children)
    return deepest


class _Handler(BaseHTTPRequestHandler):
    server: ServiceServer
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # a reply is headers then body: don't wait for an ACK
    timeout = _IDLE_TIMEOUT  # an idle or trickling client frees its thread after this

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - stdlib's name
        _LOGGER.info("%s %s", self.address_string(), format % args)

    def _send(self, status: int, body: Any, headers: dict[str, str] | None = None) -> None:
        payload = json.dumps(body, ensure_ascii=False).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("Content-Length", str(len(payload)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        if self.close_connection:
            self.send_header("Connection", "close")
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(payload)

    def _error(self, status: int, message: str, headers: dict[str, str] | None = None) -> None:
        self._send(status, {"error": " ".join(message.split())}, headers)

    def send_error(self, code: int, message: str | None = None, explain: str | None = None) -> None:
        """The stdlib's own refusals (bad request line, long headers, 501) as JSON too."""
        self.log_error("code %d, message %s", code, message)
        self.close_connection = True
        phrase = HTTPStatus(code).phrase if code in HTTPStatus._value2member_map_ else "error"
        if code in (HTTPStatus.NO_CONTENT, HTTPStatus.NOT_MODIFIED) or code < 200:
            self.send_response(code, message)
            self.send_header("Connection", "close")
            self.end_headers()
            return
        self._error(code, message or phrase)

    def _refuse(self, exc: _BadRequest) -> None:
        self.close_connection = True  # the body may be unread: don't parse it as a request
        headers = {"WWW-Authenticate": "Bearer"} if exc.status == 401 else None
        self._error(exc.status, exc.message, headers)

    def _check_origin(self) -> None:
        """A browser page from elsewhere may not call in (its Origin names it)."""
        origin = self.headers.get("Origin")
        if origin is not None and origin.strip().rstrip("/").lower() not in self.server.origins():
            raise _BadRequest(403, f"cross-origin requests are refused (Origin: {origin})")

    def do_GET(self) -> None:
        try:
            self._check_origin()
        except _BadRequest as exc:
            return self._refuse(exc)
        directory, root = self.server.directory, self.server.root
        path = self.path.split("?", 1)[0]
        if path == "/openapi.json":
            return self._send(200, openapi(directory, root))
        if path in ("/", "/services"):
            listed = [remote_manifest(m, root) for m in _served(directory)]
            return self._send(200, {"services": listed})
        match = _SERVICE_PATH.match(path)
        manifest = directory.get(match.group(1)) if match else None
        if manifest is None or manifest.remote:
            return self._error(404, f"no such path: {path}")
        return self._send(200, remote_manifest(manifest, root))

    def do_POST(self) -> None:
        try:
            length = self._content_length()  # a request framed wrongly is refused first
            self._check_origin()
            content_type = self.headers.get("Content-Type", "")
            if content_type.split(";", 1)[0].strip().lower() != "application/json":
                raise _BadRequest(415, "the body must be sent as Content-Type: application/json")
            match = _ACTION_PATH.match(self.path.split("?", 1)[0])
            directory = self.server.directory
            manifest = directory.get(match.group(1)) if match else None
            if match is None or manifest is None or manifest.remote:
                raise _BadRequest(404, f"no such path: {self.path}")
            action = manifest.action(match.group(2))
            if action is None:
                raise _BadRequest(404, f"{manifest.name} has no action {match.group(2)!r}")
            if action.side_effects:
                self._check_token()
            key = self.headers.get(IDEMPOTENCY_HEADER)
            if key is not None and len(key) > _MAX_KEY:
                raise _BadRequest(400, f"the {IDEMPOTENCY_HEADER} may be {_MAX_KEY} characters")
            args = self._body(length)
        except _BadRequest as exc:
            return self._refuse(exc)
        try:
            result = directory.call(manifest.id, action.name, args, idempotency_key=key)
        except ServiceCallError as exc:
            return self._error(_STATUS[exc.reason], exc.detail or str(exc))
        except ServiceError as exc:
            return self._error(HTTPStatus.BAD_REQUEST, str(exc))
        self._send(200, result.data)

    def _check_token(self) -> None:
        token = self.server.token
        if token is None:
            return
        given = self.headers.get("Authorization", "")
        scheme, _, value = given.partition(" ")
        if scheme.lower() != "bearer" or not hmac.compare_digest(
            value.strip().encode(), token.encode()
        ):
            raise _BadRequest(401, "this action needs Authorization: Bearer <token>")

    def _content_length(self) -> int:
        """The body's length as the headers give it, within the limit."""
        if self.headers.get("Transfer-Encoding"):
            raise _BadRequest(411, "send the body with a Content-Length, not chunked")
        lengths = self.headers.get_all("Content-Length") or []
        if not lengths:
            raise _BadRequest(411, "a Content-Length header is required")
        if len(set(lengths)) > 1 or not _DIGITS.fullmatch(lengths[0].strip()):
            raise _BadRequest(400, f"invalid Content-Length: {lengths[0][:40]!r}")
        digits = lengths[0].strip()
        length = int(digits) if len(digits) <= 18 else _MAX_BODY + 1
        if length > _MAX_BODY:
            raise _BadRequest(413, f"request body too large (at most {_MAX_BODY} bytes)")
        return length

    def _body(self, length: int) -> dict[str, Any]:
        """The request's JSON object, read within the limits."""
        try:
            raw = self.rfile.read(length)
        except TimeoutError:
            raise _BadRequest(408, "the request body did not arrive in time") from None
        if len(raw) < length:
            raise _BadRequest(400, "the request body is shorter than its Content-Length")
        try:
            args = json.loads(raw or b"{}", parse_int=_bounded_int, parse_constant=_no_constant)
        except RecursionError:
            raise _BadRequest(400, "the JSON body is nested too deeply") from None
        except (ValueError, UnicodeDecodeError) as exc:  # JSONDecodeError is a ValueError
            raise _BadRequest(400, f"the body must be a JSON object ({exc})") from None
        if not isinstance(args, dict):
            raise _BadRequest(400, "the body must be a JSON object")
        if _depth(args) > _MAX_DEPTH:
            raise _BadRequest(400, "the JSON body is nested too deeply")
        return args


def make_server(
    directory: ServiceDirectory,
    host: str = "127.0.0.1",
    port: int = 8765,
    token: str | None = None,
) -> ServiceServer:
    """A server for the directory's in-process services (port 0 picks a free port).

    With a token, actions with side effects need ``Authorization: Bearer <token>``.
    """
    return ServiceServer((host, port), directory, token)

"""The in-process mini-programs as a local HTTP JSON API, described at /openapi.json."""

from __future__ import annotations

import json
import logging
import re
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from ..errors import ServiceError
from .directory import ServiceDirectory
from .invoke import IDEMPOTENCY_HEADER, ServiceCallError
from .manifest import ServiceManifest

__all__ = ["ServiceServer", "make_server", "openapi", "remote_manifest"]

_LOGGER = logging.getLogger(__name__)

_MAX_BODY = 64 * 1024
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


class ServiceServer(ThreadingHTTPServer):
    """A threading HTTP server bound to a directory."""

    daemon_threads = True

    def __init__(self, address: tuple[str, int], directory: ServiceDirectory) -> None:
        super().__init__(address, _Handler)
        self.directory = directory

    @property
    def root(self) -> str:
        host, port = self.server_address[:2]
        return f"http://{host!s}:{port}"


class _Handler(BaseHTTPRequestHandler):
    server: ServiceServer
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # a reply is headers then body: don't wait for an ACK

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - stdlib's name
        _LOGGER.info("%s %s", self.address_string(), format % args)

    def _send(self, status: int, body: Any) -> None:
        payload = json.dumps(body, ensure_ascii=False).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def _error(self, status: int, message: str) -> None:
        self._send(status, {"error": message})

    def do_GET(self) -> None:
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
        match = _ACTION_PATH.match(self.path.split("?", 1)[0])
        directory = self.server.directory
        manifest = directory.get(match.group(1)) if match else None
        if match is None or manifest is None or manifest.remote:
            return self._error(404, f"no such path: {self.path}")
        action = manifest.action(match.group(2))
        if action is None:
            return self._error(404, f"{manifest.name} has no action {match.group(2)!r}")
        length = int(self.headers.get("Content-Length") or 0)
        if length > _MAX_BODY:
            return self._error(413, "request body too large")
        try:
            args = json.loads(self.rfile.read(length) or b"{}")
        except (json.JSONDecodeError, UnicodeDecodeError):
            return self._error(400, "the body must be a JSON object")
        if not isinstance(args, dict):
            return self._error(400, "the body must be a JSON object")
        key = self.headers.get(IDEMPOTENCY_HEADER)
        try:
            result = directory.call(manifest.id, action.name, args, idempotency_key=key)
        except ServiceCallError as exc:
            return self._error(_STATUS[exc.reason], exc.detail or str(exc))
        except ServiceError as exc:
            return self._error(HTTPStatus.BAD_REQUEST, str(exc))
        self._send(200, result.data)


def make_server(
    directory: ServiceDirectory, host: str = "127.0.0.1", port: int = 8765
) -> ServiceServer:
    """A server for the directory's in-process services (port 0 picks a free port)."""
    return ServiceServer((host, port), directory)

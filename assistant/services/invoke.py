"""Calling a service action: in-process or over HTTP, with deadlines, retries and idempotency."""

from __future__ import annotations

import json
import logging
import sqlite3
import time
import uuid
from collections.abc import Callable, Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any, Literal, cast

from ..errors import ServiceError
from .manifest import Action, ServiceManifest
from .store import MAX_KEY_LENGTH, Deadline, DeadlinePassed, Store, request_digest

if TYPE_CHECKING:
    import httpcore
    import httpx

__all__ = [
    "CallContext",
    "CallResult",
    "Handler",
    "IDEMPOTENCY_HEADER",
    "Invoker",
    "MAX_RESPONSE_BYTES",
    "ServiceCallError",
    "ServiceEntry",
]

_LOGGER = logging.getLogger(__name__)

IDEMPOTENCY_HEADER = "Idempotency-Key"
Reason = Literal["down", "timeout", "error", "malformed", "refused"]
_MESSAGES: dict[str, str] = {
    "down": "{name} is not answering right now",
    "timeout": "{name} is taking too long to answer",
    "error": "{name} ran into a problem",
    "malformed": "{name} sent an answer I could not read",
    "refused": "{name} said: {detail}",
}
_RETRYABLE = frozenset({"down", "timeout", "error"})
MAX_RESPONSE_BYTES = 4 * 1024 * 1024
_MIN_TRY = 0.1  # seconds: a retry with less of the deadline left is not started
# When the remote call running in this thread must be over (time.monotonic()), if any.
_EXPIRES: ContextVar[float | None] = ContextVar("ting_service_expires", default=None)


class ServiceCallError(ServiceError):
    """A service call failed; the message names the service and suits an apology."""

    def __init__(self, manifest: ServiceManifest, action: str, reason: Reason, detail: str = ""):
        self.service = manifest.id
        self.action = action
        self.reason = reason
        self.detail = detail
        super().__init__(_MESSAGES[reason].format(name=manifest.name, detail=detail))


@dataclass(frozen=True)
class CallContext:
    """What an in-process handler gets besides its arguments."""

    service: str
    action: str
    store: Store
    now: datetime
    idempotency_key: str | None = None
    db: sqlite3.Connection | None = None  # the open transaction of a side-effect call


Handler = Callable[[dict[str, Any], CallContext], dict[str, Any]]


@dataclass(frozen=True)
class ServiceEntry:
    """A manifest, where it came from, and its handlers when it runs in-process."""

    manifest: ServiceManifest
    source: str
    handlers: Mapping[str, Handler] = field(default_factory=dict)


@dataclass(frozen=True)
class CallResult:
    """The answer of one call."""

    service: str
    action: str
    data: dict[str, Any]
    replayed: bool = False
    attempts: int = 1
    elapsed_ms: float = 0.0


class Invoker:
    """Calls actions behind one interface; every failure becomes a ServiceCallError."""

    def __init__(
        self,
        store: Store,
        *,
        timeout: float = 3.0,
        retries: int = 2,
        client: httpx.Client | None = None,
        clock: Callable[[], datetime] = datetime.now,
        max_response_bytes: int = MAX_RESPONSE_BYTES,
    ) -> None:
        self.store = store
        self.timeout = timeout
        self.retries = retries
        self.clock = clock
        self.max_response_bytes = max_response_bytes
        self._client = client
        self._pool = ThreadPoolExecutor(max_workers=8, thread_name_prefix="ting-service")

    @property
    def client(self) -> httpx.Client:
        if self._client is None:
            import httpx  # only remote services need it; keeps start-up fast

            self._client = httpx.Client(
                headers={"User-Agent": "ting-services/0.1"}, transport=_deadline_transport()
            )
        return self._client

    def close(self) -> None:
        """Release the HTTP client and the worker threads."""
        self._pool.shutdown(wait=False, cancel_futures=True)
        if self._client is not None:
            self._client.close()

    def call(
        self,
        entry: ServiceEntry,
        action_name: str,
        args: Mapping[str, Any] | None = None,
        *,
        idempotency_key: str | None = None,
    ) -> CallResult:
        """Call one action. Side-effect actions run at most once per idempotency key."""
        manifest = entry.manifest
        action = manifest.action(action_name)
        if action is None:
            raise ServiceError(f"{manifest.name} has no action {action_name!r}")
        clean = action.check_arguments(manifest.name, dict(args or {}))
        if idempotency_key is not None and not 0 < len(idempotency_key) <= MAX_KEY_LENGTH:
            raise ServiceCallError(
                manifest,
                action_name,
                "refused",
                f"an idempotency key must have 1 to {MAX_KEY_LENGTH} characters",
            )
        started = time.perf_counter()
        if action.side_effects:
            key = idempotency_key or uuid.uuid4().hex
            data, replayed = self._once(entry, action, clean, key)
            attempts = 1
        else:
            data, attempts = self._retrying(entry, action, clean)
            replayed = False
        elapsed = (time.perf_counter() - started) * 1000
        _LOGGER.debug("%s.%s took %.1f ms", manifest.id, action.name, elapsed)
        return CallResult(manifest.id, action.name, data, replayed, attempts, elapsed)

    def _retrying(
        self, entry: ServiceEntry, action: Action, args: dict[str, Any]
    ) -> tuple[dict[str, Any], int]:
        # A remote call has one deadline, its retries included; in-process tries have each theirs.
        deadline = self._deadline(entry.manifest) if entry.manifest.remote else None
        for attempt in range(self.retries + 1):
            try:
                return self._attempt(entry, action, args, None, deadline), attempt + 1
            except ServiceCallError as exc:
                if exc.reason not in _RETRYABLE or attempt == self.retries:
                    raise
                pause = 0.05 * 2**attempt
                if deadline is not None and deadline.remaining() < pause + _MIN_TRY:
                    _LOGGER.info("%s, no time left to retry", exc)
                    raise
                _LOGGER.info("%s, retrying (%d)", exc, attempt + 1)
                time.sleep(pause)
        raise AssertionError("unreachable")

    def _deadline(self, manifest: ServiceManifest) -> Deadline:
        return Deadline(manifest.timeout or self.timeout)

    def _once(
        self, entry: ServiceEntry, action: Action, args: dict[str, Any], key: str
    ) -> tuple[dict[str, Any], bool]:
        manifest = entry.manifest
        request = request_digest(manifest.id, action.name, args)
        if manifest.remote:
            try:
                previous = self.store.recorded(key, manifest.id, action.name, request)
            except ServiceError as exc:
                raise ServiceCallError(manifest, action.name, "refused", str(exc)) from exc
            if previous is not None:
                return previous, True
            data = self._attempt(entry, action, args, key, self._deadline(manifest))
            self.store.remember(key, manifest.id, action.name, data, request)
            return data, False
        handler = self._handler(entry, action)
        # The transaction lives no longer than the call: its wait for the file's lock ends
        # with the deadline, and it commits only if the caller has not given up by then.
        deadline = Deadline(manifest.timeout or self.timeout)

        def run() -> tuple[dict[str, Any], bool]:
            return self.store.once(
                key,
                manifest.id,
                action.name,
                lambda db: _as_object(
                    manifest, action.name, handler(args, self._context(entry, action, key, db))
                ),
                request=request,
                deadline=deadline,
            )

        result: tuple[dict[str, Any], bool] = self._in_thread(entry, action, run, deadline)
        return result

    def _attempt(
        self,
        entry: ServiceEntry,
        action: Action,
        args: dict[str, Any],
        key: str | None,
        deadline: Deadline | None = None,
    ) -> dict[str, Any]:
        if entry.manifest.remote:
            if deadline is None:
                deadline = self._deadline(entry.manifest)
            return self._post(entry.manifest, action, args, key, deadline.expires)
        handler = self._handler(entry, action)
        context = self._context(entry, action, key, None)
        result = self._in_thread(entry, action, lambda: handler(args, context))
        return _as_object(entry.manifest, action.name, result)

    def _handler(self, entry: ServiceEntry, action: Action) -> Handler:
        handler = entry.handlers.get(action.name)
        if handler is None:
            raise ServiceCallError(entry.manifest, action.name, "down", "no handler")
        return handler

    def _context(
        self, entry: ServiceEntry, action: Action, key: str | None, db: sqlite3.Connection | None
    ) -> CallContext:
        return CallContext(entry.manifest.id, action.name, self.store, self.clock(), key, db)

    def _in_thread(
        self,
        entry: ServiceEntry,
        action: Action,
        run: Callable[[], Any],
        deadline: Deadline | None = None,
    ) -> Any:
        manifest = entry.manifest
        future = self._pool.submit(run)
        timeout = manifest.timeout or self.timeout
        try:
            try:
                result = future.result(
                    timeout=timeout if deadline is None else max(0.0, deadline.remaining())
                )
            except FutureTimeout:
                future.cancel()
                if deadline is None or deadline.abandon():
                    raise
                # It committed just as the time ran out: the stored outcome is the answer.
                result = future.result()
        except FutureTimeout as exc:
            raise ServiceCallError(manifest, action.name, "timeout") from exc
        except DeadlinePassed as exc:
            raise ServiceCallError(manifest, action.name, "timeout") from exc
        except ServiceCallError:
            raise
        except ServiceError as exc:
            raise ServiceCallError(manifest, action.name, "refused", str(exc)) from exc
        except Exception as exc:
            _LOGGER.exception("%s.%s failed", manifest.id, action.name)
            raise ServiceCallError(manifest, action.name, "error", repr(exc)) from exc
        return result

    def _post(
        self,
        manifest: ServiceManifest,
        action: Action,
        args: dict[str, Any],
        key: str | None,
        expires: float,
    ) -> dict[str, Any]:
        """POST the arguments; connecting, sending and the whole answer all end by `expires`."""
        import httpx

        url = f"{str(manifest.base_url).rstrip('/')}/actions/{action.name}"
        headers = {IDEMPOTENCY_HEADER: key} if key else {}
        token = _EXPIRES.set(expires)
        try:
            request = self.client.build_request(
                "POST", url, json=args, headers=headers, timeout=_left(None)
            )
            response = self.client.send(request, stream=True)
            try:
                status = response.status_code
                if status >= 500:
                    raise ServiceCallError(manifest, action.name, "error", f"HTTP {status}")
                raw = self._read(manifest, action, response, expires)
            finally:
                response.close()
        except httpx.TimeoutException as exc:
            raise ServiceCallError(manifest, action.name, "timeout", str(exc)) from exc
        except httpx.HTTPError as exc:
            raise ServiceCallError(manifest, action.name, "down", str(exc)) from exc
        finally:
            _EXPIRES.reset(token)
        try:
            body = json.loads(raw)
        except (json.JSONDecodeError, UnicodeDecodeError) as exc:
            raise ServiceCallError(manifest, action.name, "malformed", str(exc)) from exc
        if status >= 400:
            detail = body.get("error") if isinstance(body, dict) else None
            raise ServiceCallError(
                manifest, action.name, "refused", str(detail or f"HTTP {status}")
            )
        return _as_object(manifest, action.name, body)

    def _read(
        self, manifest: ServiceManifest, action: Action, response: httpx.Response, expires: float
    ) -> bytes:
        """The body, read as it arrives: refused past the size limit or the deadline."""
        limit = self.max_response_bytes
        declared = response.headers.get("Content-Length", "")
        if declared.isdigit() and int(declared) > limit:
            raise _too_large(manifest, action, limit)
        chunks: list[bytes] = []
        size = 0
        for chunk in response.iter_bytes():
            size += len(chunk)
            if size > limit:
                raise _too_large(manifest, action, limit)
            if time.monotonic() > expires:
                raise ServiceCallError(
                    manifest, action.name, "timeout", "the answer came too slowly"
                )
            chunks.append(chunk)
        return b"".join(chunks)


def _too_large(manifest: ServiceManifest, action: Action, limit: int) -> ServiceCallError:
    _LOGGER.warning("%s.%s answered more than %d bytes", manifest.id, action.name, limit)
    return ServiceCallError(manifest, action.name, "malformed", f"an answer over {limit} bytes")


def _left(timeout: float | None) -> float | None:
    """A network timeout cut to what is left of this thread's remote call, if one runs."""
    expires = _EXPIRES.get()
    if expires is None:
        return timeout
    left = max(expires - time.monotonic(), 0.001)  # never 0: that means non-blocking
    return left if timeout is None else min(timeout, left)


class _DeadlineStream:
    """A connection whose every read and write ends by the current call's deadline."""

    def __init__(self, inner: httpcore.NetworkStream) -> None:
        self._inner = inner

    def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        return self._inner.read(max_bytes, _left(timeout))

    def write(self, buffer: bytes, timeout: float | None = None) -> None:
        self._inner.write(buffer, _left(timeout))

    def close(self) -> None:
        self._inner.close()

    def start_tls(
        self, ssl_context: Any, server_hostname: str | None = None, timeout: float | None = None
    ) -> _DeadlineStream:
        return _DeadlineStream(self._inner.start_tls(ssl_context, server_hostname, _left(timeout)))

    def get_extra_info(self, info: str) -> Any:
        return self._inner.get_extra_info(info)


class _DeadlineBackend:
    """httpcore's sockets, with connecting and every read and write held to the deadline."""

    def __init__(self) -> None:
        import httpcore

        self._inner = httpcore.SyncBackend()

    def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Any = None,
    ) -> _DeadlineStream:
        stream = self._inner.connect_tcp(host, port, _left(timeout), local_address, socket_options)
        return _DeadlineStream(stream)

    def connect_unix_socket(
        self, path: str, timeout: float | None = None, socket_options: Any = None
    ) -> _DeadlineStream:
        return _DeadlineStream(
            self._inner.connect_unix_socket(path, _left(timeout), socket_options)
        )

    def sleep(self, seconds: float) -> None:
        self._inner.sleep(seconds)


def _deadline_transport() -> httpx.BaseTransport:
    """An httpx transport over httpcore whose sockets keep to the call's deadline.

    httpx gives each read its own timeout, so a server sending a byte at a time would never
    time out; here every socket operation gets only what is left of the call's time.
    """
    import httpcore
    import httpx

    @contextmanager
    def as_httpx() -> Iterator[None]:
        try:
            yield
        except httpcore.TimeoutException as exc:
            raise httpx.TimeoutException(str(exc) or type(exc).__name__) from exc
        except (
            httpcore.NetworkError,
            httpcore.ProtocolError,
            httpcore.UnsupportedProtocol,
            httpcore.ProxyError,
        ) as exc:
            raise httpx.TransportError(str(exc) or type(exc).__name__) from exc

    class Body(httpx.SyncByteStream):
        def __init__(self, inner: Any) -> None:
            self._inner = inner

        def __iter__(self) -> Iterator[bytes]:
            with as_httpx():
                yield from self._inner

        def close(self) -> None:
            self._inner.close()

    class Transport(httpx.BaseTransport):
        def __init__(self) -> None:
            backend = cast("httpcore.NetworkBackend", _DeadlineBackend())
            self._pool = httpcore.ConnectionPool(network_backend=backend)

        def handle_request(self, request: httpx.Request) -> httpx.Response:
            url = request.url
            core = httpcore.Request(
                method=request.method,
                url=httpcore.URL(
                    scheme=url.raw_scheme, host=url.raw_host, port=url.port, target=url.raw_path
                ),
                headers=request.headers.raw,
                content=cast("Iterator[bytes]", request.stream),
                extensions=request.extensions,
            )
            with as_httpx():
                answer = self._pool.handle_request(core)
            return httpx.Response(
                status_code=answer.status,
                headers=answer.headers,
                stream=Body(answer.stream),
                extensions=answer.extensions,
            )

        def close(self) -> None:
            self._pool.close()

    return Transport()


def _as_object(manifest: ServiceManifest, action: str, result: Any) -> dict[str, Any]:
    if not isinstance(result, dict):
        raise ServiceCallError(manifest, action, "malformed", f"got {type(result).__name__}")
    return result

"""Calling a service action: in-process or over HTTP, with timeouts, retries and idempotency."""

from __future__ import annotations

import json
import logging
import sqlite3
import time
import uuid
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any, Literal

from ..errors import ServiceError
from .manifest import Action, ServiceManifest
from .store import MAX_KEY_LENGTH, Deadline, DeadlinePassed, Store, request_digest

if TYPE_CHECKING:
    import httpx

__all__ = [
    "CallContext",
    "CallResult",
    "Handler",
    "IDEMPOTENCY_HEADER",
    "Invoker",
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
    ) -> None:
        self.store = store
        self.timeout = timeout
        self.retries = retries
        self.clock = clock
        self._client = client
        self._pool = ThreadPoolExecutor(max_workers=8, thread_name_prefix="ting-service")

    @property
    def client(self) -> httpx.Client:
        if self._client is None:
            import httpx  # only remote services need it; keeps start-up fast

            self._client = httpx.Client(headers={"User-Agent": "ting-services/0.1"})
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
        for attempt in range(self.retries + 1):
            try:
                return self._attempt(entry, action, args, None), attempt + 1
            except ServiceCallError as exc:
                if exc.reason not in _RETRYABLE or attempt == self.retries:
                    raise
                _LOGGER.info("%s, retrying (%d)", exc, attempt + 1)
                time.sleep(0.05 * 2**attempt)
        raise AssertionError("unreachable")

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
            data = self._attempt(entry, action, args, key)
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
        self, entry: ServiceEntry, action: Action, args: dict[str, Any], key: str | None
    ) -> dict[str, Any]:
        if entry.manifest.remote:
            return self._post(entry.manifest, action, args, key)
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
        self, manifest: ServiceManifest, action: Action, args: dict[str, Any], key: str | None
    ) -> dict[str, Any]:
        import httpx

        url = f"{str(manifest.base_url).rstrip('/')}/actions/{action.name}"
        headers = {IDEMPOTENCY_HEADER: key} if key else {}
        try:
            response = self.client.post(
                url, json=args, headers=headers, timeout=manifest.timeout or self.timeout
            )
        except httpx.TimeoutException as exc:
            raise ServiceCallError(manifest, action.name, "timeout", str(exc)) from exc
        except httpx.HTTPError as exc:
            raise ServiceCallError(manifest, action.name, "down", str(exc)) from exc
        if response.status_code >= 500:
            raise ServiceCallError(manifest, action.name, "error", f"HTTP {response.status_code}")
        try:
            body = response.json()
        except (json.JSONDecodeError, UnicodeDecodeError) as exc:
            raise ServiceCallError(manifest, action.name, "malformed", str(exc)) from exc
        if response.status_code >= 400:
            detail = body.get("error") if isinstance(body, dict) else None
            reason = str(detail or f"HTTP {response.status_code}")
            raise ServiceCallError(manifest, action.name, "refused", reason)
        return _as_object(manifest, action.name, body)


def _as_object(manifest: ServiceManifest, action: str, result: Any) -> dict[str, Any]:
    if not isinstance(result, dict):
        raise ServiceCallError(manifest, action, "malformed", f"got {type(result).__name__}")
    return result

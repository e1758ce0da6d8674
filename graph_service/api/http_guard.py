"""The HTTP front door of ``/graphql``: bounded bodies, well-formed JSON, a per-principal
rate limit. A pure ASGI middleware, so a refusal costs no GraphQL work at all.

- A body over ``GS_MAX_BODY_BYTES`` (default 1 MB) answers **413**, whether announced by
  ``Content-Length`` or streamed; reading stops at the limit.
- A body that is not UTF-8, not JSON (``NaN`` and ``Infinity`` included), nested deeper than
  ``GS_MAX_JSON_DEPTH`` or holding a string over ``GS_MAX_STRING_LENGTH`` characters answers
  **400** with ``extensions.code`` ``BAD_USER_INPUT``; the offending value is not echoed.
- Each principal (a verified bearer token's role and subject; otherwise the client address)
  has a token bucket of ``GS_RATE_LIMIT_BURST`` requests refilled at
  ``GS_RATE_LIMIT_PER_MINUTE``, and at most ``GS_MAX_CONCURRENT_PER_PRINCIPAL`` requests in
  flight; over either answers **429** with ``Retry-After``.
"""

from __future__ import annotations

import json
import time
from collections.abc import Awaitable, Callable, MutableMapping
from dataclasses import dataclass, field
from typing import Any

from graph_service.auth import principal_from_header
from graph_service.errors import DomainError
from graph_service.settings import Settings

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]


class Refused(Exception):
    def __init__(self, status: int, code: str, message: str, retry_after: int = 0) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.retry_after = retry_after


def json_depth(text: str) -> int:
    """Deepest ``[``/``{`` nesting of a JSON text (strings skipped), in one linear pass."""
    depth = deepest = 0
    in_string = escaped = False
    for char in text:
        if in_string:
            if escaped:
                escaped = False
            elif char == "\\":
                escaped = True
            elif char == '"':
                in_string = False
        elif char == '"':
            in_string = True
        elif char in "[{":
            depth += 1
            deepest = max(deepest, depth)
        elif char in "]}":
            depth -= 1
    return deepest


def _longest_string(value: Any) -> int:
    stack = [value]
    longest = 0
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            longest = max(longest, len(item))
        elif isinstance(item, dict):
            stack.extend(item.keys())
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return longest


def _no_constants(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def check_body(body: bytes, settings: Settings) -> None:
    """Raise :class:`Refused` unless ``body`` is a sane JSON request."""
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        raise Refused(400, "BAD_USER_INPUT", "the request body is not UTF-8") from None
    if json_depth(text) > settings.max_json_depth:
        raise Refused(
            400,
            "BAD_USER_INPUT",
            f"the request body is nested deeper than {settings.max_json_depth} levels",
        )
    try:
        parsed = json.loads(text, parse_constant=_no_constants)
    except ValueError:
        raise Refused(400, "BAD_USER_INPUT", "the request body is not valid JSON") from None
    variables = parsed.get("variables") if isinstance(parsed, dict) else parsed
    if _longest_string(variables) > settings.max_string_length:
        raise Refused(
            400,
            "BAD_USER_INPUT",
            f"a variable is longer than {settings.max_string_length} characters",
        )


@dataclass
class _Bucket:
    tokens: float
    updated: float
    in_flight: int = 0


@dataclass
class RateLimiter:
    """Token buckets and in-flight counts per principal key (one process)."""

    per_minute: int
    burst: int
    concurrent: int
    buckets: dict[str, _Bucket] = field(default_factory=dict)

    def acquire(self, key: str, now: float | None = None) -> None:
        now = time.monotonic() if now is None else now
        bucket = self.buckets.get(key)
        if bucket is None:
            if len(self.buckets) > 100_000:  # bounded memory: forget idle callers
                self.buckets = {k: b for k, b in self.buckets.items() if b.in_flight}
            bucket = self.buckets[key] = _Bucket(float(self.burst), now)
        if self.per_minute:
            bucket.tokens = min(
                float(self.burst), bucket.tokens + (now - bucket.updated) * self.per_minute / 60
            )
            bucket.updated = now
            if bucket.tokens < 1:
                wait = int((1 - bucket.tokens) * 60 / self.per_minute) + 1
                raise Refused(429, "RATE_LIMITED", "too many requests; slow down", wait)
        if bucket.in_flight >= self.concurrent:
            raise Refused(429, "RATE_LIMITED", f"at most {self.concurrent} requests at a time", 1)
        if self.per_minute:
            bucket.tokens -= 1
        bucket.in_flight += 1

    def release(self, key: str) -> None:
        bucket = self.buckets.get(key)
        if bucket is not None and bucket.in_flight > 0:
            bucket.in_flight -= 1


def principal_key(settings: Settings, scope: Scope) -> str:
    headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
    try:
        principal = principal_from_header(settings, headers.get("authorization"))
    except DomainError:
        principal = None
    if principal is not None:
        return f"{principal.role.value}:{principal.subject}"
    client = scope.get("client") or ("unknown", 0)
    return f"anonymous:{client[0]}"


async def _refuse(send: Send, refused: Refused) -> None:
    body = json.dumps(
        {
            "data": None,
            "errors": [{"message": refused.message, "extensions": {"code": refused.code}}],
        }
    ).encode()
    headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
    if refused.retry_after:
        headers.append((b"retry-after", str(refused.retry_after).encode()))
    if refused.status == 413:
        # Close the connection: the server stops reading (and buffering) the rest of the body.
        headers.append((b"connection", b"close"))
    await send({"type": "http.response.start", "status": refused.status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


class GraphQLGuard:
    """ASGI middleware guarding ``/graphql`` (see the module docstring)."""

    def __init__(self, app: ASGIApp, settings: Settings, path: str = "/graphql") -> None:
        self.app = app
        self.settings = settings
        self.path = path
        self.limiter = RateLimiter(
            settings.rate_limit_per_minute,
            settings.rate_limit_burst,
            settings.max_concurrent_per_principal,
        )

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not scope["path"].startswith(self.path):
            await self.app(scope, receive, send)
            return
        key = principal_key(self.settings, scope)
        try:
            self.limiter.acquire(key)
        except Refused as refused:
            await _refuse(send, refused)
            return
        try:
            await self._guarded(scope, receive, send)
        finally:
            self.limiter.release(key)

    async def _guarded(self, scope: Scope, receive: Receive, send: Send) -> None:
        limit = self.settings.max_body_bytes
        headers = dict(scope["headers"])
        try:
            declared = int(headers.get(b"content-length", b"0") or 0)
        except ValueError:
            declared = 0
        if declared > limit:
            await _refuse(send, Refused(413, "PAYLOAD_TOO_LARGE", _too_large(limit)))
            return
        if scope["method"] != "POST":
            await self.app(scope, receive, send)
            return
        chunks: list[bytes] = []
        size = 0
        more = True
        while more:
            message = await receive()
            if message["type"] == "http.disconnect":
                return
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > limit:
                await _refuse(send, Refused(413, "PAYLOAD_TOO_LARGE", _too_large(limit)))
                return
            chunks.append(chunk)
            more = message.get("more_body", False)
        body = b"".join(chunks)
        content_type = headers.get(b"content-type", b"").decode("latin-1").lower()
        if "json" in content_type:
            try:
                check_body(body, self.settings)
            except Refused as refused:
                await _refuse(send, refused)
                return
        sent = False

        async def replay() -> Message:
            nonlocal sent
            if not sent:
                sent = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        await self.app(scope, replay, send)


def _too_large(limit: int) -> str:
    return f"the request body is larger than {limit:,} bytes"

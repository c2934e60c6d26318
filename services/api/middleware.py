"""Two guards in front of every route.

SecurityMiddleware sets the security headers on every response (pages, API, errors, static files) and
logs every refused attempt (401, 403, 404, 405, 413, 415, 422 on a guard, 429) with who asked, so an
operator can see probing.

BodyGuardMiddleware refuses bad request bodies before any route reads them, with a clear 4xx in English and
Japanese: bodies over the size limit (413), API bodies that are not JSON (415; the sign-in form excepted),
bytes that are not UTF-8 (400), and text with characters no database column can hold — NUL, lone
surrogates — in the JSON body, the sign-in form or the query string (422). A refused request reaches no
route, so nothing partial is stored.
"""

from __future__ import annotations

import json
import logging
import re
from urllib.parse import parse_qsl

from starlette.types import ASGIApp, Message, Receive, Scope, Send

log = logging.getLogger("tokku.security")

API_PREFIX = "/api/v1/"
FORM_PATHS = frozenset({"/api/v1/auth/token"})  # OAuth2 password form
JSON_BODY_LIMIT = 1024 * 1024  # the largest real application is a few tens of kilobytes
FORM_BODY_LIMIT = 1024 * 1024
UPLOAD_OVERHEAD = 64 * 1024
DRAIN_LIMIT = 64 * 1024 * 1024  # past this a refused upload is cut off instead of read to its end  # multipart boundaries and the form's other fields around one file
REFUSED = frozenset({401, 403, 404, 405, 413, 415, 429})

SECURITY_HEADERS = [
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"content-security-policy", b"frame-ancestors 'none'; base-uri 'self'; form-action 'self'; object-src 'none'"),
    (b"referrer-policy", b"strict-origin-when-cross-origin"),
    (b"cross-origin-opener-policy", b"same-origin"),
    (b"permissions-policy", b"camera=(), microphone=(), geolocation=()"),
]
HSTS = (b"strict-transport-security", b"max-age=31536000; includeSubDomains")


def _header(scope: Scope, name: bytes) -> str | None:
    for key, value in scope.get("headers", []):
        if key == name:
            return value.decode("latin-1")
    return None


def _caller(scope: Scope) -> dict:
    user = (scope.get("state") or {}).get("user")
    if user is None:
        return {"user": None, "role": None}
    return {"user": user.username, "role": user.role, "user_id": user.id}


class SecurityMiddleware:
    def __init__(self, app: ASGIApp, *, https: bool = False) -> None:
        self.app = app
        self.headers = SECURITY_HEADERS + ([HSTS] if https else [])

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        status = 500

        async def send_with_headers(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                present = {key.lower() for key, _ in message.get("headers", [])}
                message["headers"] = [*message.get("headers", []),
                                      *[(k, v) for k, v in self.headers if k not in present]]
            await send(message)

        await self.app(scope, receive, send_with_headers)
        if status in REFUSED:
            client = scope.get("client") or ("?", 0)
            log.warning("refused %s %s with %s", scope.get("method"), scope.get("path"), status,
                        extra={"refused": True, "status": status, "method": scope.get("method"),
                               "path": scope.get("path"), "client_ip": client[0], **_caller(scope)})


def problem(status: int, code: str, message: str, message_ja: str) -> tuple[int, bytes]:
    if status == 422:  # the shape every other 422 of the API has (FastAPI's, documented in the schema)
        body = {"detail": [{"type": code, "loc": ["body"], "msg": message}], "message": message,
                "message_ja": message_ja}
    else:
        body = {"detail": {"code": code, "message": message, "message_ja": message_ja}}
    return status, json.dumps(body, ensure_ascii=False).encode()


def unstorable(value) -> bool:
    """True when a text holds NUL or a lone surrogate: PostgreSQL refuses both, and neither is ever typed."""
    if isinstance(value, str):
        if "\x00" in value:
            return True
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            return True
        return False
    if isinstance(value, dict):
        return any(unstorable(k) or unstorable(v) for k, v in value.items())
    if isinstance(value, list):
        return any(unstorable(v) for v in value)
    return False


# The escapes a NUL or a surrogate takes in JSON text (\u0000, \uD800-\uDFFF): a body without them needs no parse.
MAYBE_UNSTORABLE_ESCAPE = re.compile(r"\\u(?:0000|[dD][89a-fA-F])")
UNSTORABLE = ("the request holds characters that cannot be stored (NUL or an unpaired surrogate)",
              "保存できない文字（NUL文字または不正なサロゲート）が含まれています")


class BodyGuardMiddleware:
    def __init__(self, app: ASGIApp, *, upload_limit: int) -> None:
        self.app = app
        self.upload_limit = upload_limit + UPLOAD_OVERHEAD

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path = scope.get("path", "")
        is_api = path.startswith(API_PREFIX)
        if is_api and (b"%00" in scope.get("query_string", b"") or "\x00" in path):
            return await self._refuse(send, *problem(422, "invalid", *UNSTORABLE))
        if scope.get("method") not in ("POST", "PUT", "PATCH"):
            await self.app(scope, receive, send)
            return
        content_type = (_header(scope, b"content-type") or "").split(";")[0].strip().lower()
        limit = self.upload_limit if content_type == "multipart/form-data" else (
            JSON_BODY_LIMIT if is_api else FORM_BODY_LIMIT)
        declared = _header(scope, b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > limit:
            await self._drain(receive)
            return await self._refuse(send, *self._too_large(limit))
        if not is_api and declared is not None:
            # The server never delivers more than a declared length: the page reads the stream itself.
            await self.app(scope, receive, send)
            return
        body = b""
        more = True
        while more:
            message = await receive()
            if message["type"] == "http.disconnect":
                return
            body += message.get("body", b"")
            more = message.get("more_body", False)
            if len(body) > limit:  # no Content-Length (chunked): counted as it arrives
                if more:
                    await self._drain(receive)
                return await self._refuse(send, *self._too_large(limit))
        refusal = self._check_api_body(path, content_type, body) if is_api else None
        if refusal is not None:
            return await self._refuse(send, *refusal)
        replayed = False

        async def replay() -> Message:
            nonlocal replayed
            if not replayed:
                replayed = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        await self.app(scope, replay, send)

    @staticmethod
    def _check_api_body(path: str, content_type: str, body: bytes) -> tuple[int, bytes] | None:
        if not body:
            return None
        if path in FORM_PATHS:
            if content_type not in ("application/x-www-form-urlencoded", "multipart/form-data"):
                return problem(415, "unsupported_media_type", "send the sign-in as a form "
                               "(application/x-www-form-urlencoded)",
                               "ログインはフォーム形式（application/x-www-form-urlencoded）で送信してください")
            if content_type == "application/x-www-form-urlencoded":
                try:
                    fields = parse_qsl(body.decode("utf-8"), keep_blank_values=True, errors="strict")
                except UnicodeDecodeError:
                    return problem(400, "bad_encoding", "the request body is not valid UTF-8",
                                   "リクエスト本文がUTF-8として正しくありません")
                if any(unstorable(k) or unstorable(v) for k, v in fields):
                    return problem(422, "invalid", *UNSTORABLE)
            return None
        if not (content_type == "application/json" or content_type.endswith("+json")):
            return problem(415, "unsupported_media_type", "send the body as JSON (Content-Type: application/json)",
                           "本文はJSON形式（Content-Type: application/json）で送信してください")
        try:
            text = body.decode("utf-8")
        except UnicodeDecodeError:
            return problem(400, "bad_encoding", "the request body is not valid UTF-8",
                           "リクエスト本文がUTF-8として正しくありません")
        if "\x00" not in text and not MAYBE_UNSTORABLE_ESCAPE.search(text):
            return None  # JSON can carry a NUL or a surrogate only as an escape, and it has neither: nothing to parse
        try:
            parsed = json.loads(text)
        except ValueError:
            return None  # the route answers 422 with where the JSON breaks
        if unstorable(parsed):
            return problem(422, "invalid", *UNSTORABLE)
        return None

    @staticmethod
    def _too_large(limit: int) -> tuple[int, bytes]:
        size = f"{limit / 1048576:.1f} MB" if limit >= 1048576 else f"{limit // 1024} KB"
        return problem(413, "too_large", f"the request body is larger than {size}",
                       f"リクエスト本文が大きすぎます（上限 {size}）")

    @staticmethod
    async def _drain(receive: Receive) -> None:
        """Read and drop what the client is still sending (up to DRAIN_LIMIT), so it can read our answer:
        a server that closes mid-upload leaves the client with a reset instead of the 413."""
        dropped = 0
        while dropped <= DRAIN_LIMIT:
            message = await receive()
            if message["type"] == "http.disconnect" or not message.get("more_body", False):
                return
            dropped += len(message.get("body", b""))

    @staticmethod
    async def _refuse(send: Send, status: int, body: bytes) -> None:
        await send({"type": "http.response.start", "status": status,
                    "headers": [(b"content-type", b"application/json"),
                                (b"content-length", str(len(body)).encode()), (b"connection", b"close")]})
        await send({"type": "http.response.body", "body": body})

"""Who carries a message: the log (the default: nothing leaves the machine) or an SMS
gateway over HTTP, described entirely by configuration.

``MESSAGE_SENDER``: "log" or "http".  For "http": ``MESSAGE_HTTP_URL``,
``MESSAGE_HTTP_HEADERS`` (a JSON object, e.g. the gateway's token),
``MESSAGE_HTTP_BODY`` (the request body, with ``$phone``, ``$text`` and ``$key``; each
value is escaped for a JSON string unless ``MESSAGE_HTTP_ESCAPE`` is "form", which
URL-encodes it), ``MESSAGE_HTTP_TIMEOUT`` seconds.  Any 2xx answer is a delivery; any
other answer, a timeout or a network error is a failure whose reason is kept.
"""

from __future__ import annotations

import json
import logging
import string
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from typing import Any, Protocol

log = logging.getLogger(__name__)

#: How much of a gateway's answer is kept as the reason of a failure.
REASON_MAX = 300


class SendFailed(Exception):
    """The message did not go; ``reason`` is kept on it."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason[:REASON_MAX]


class Sender(Protocol):
    def send(self, *, phone: str, text: str, key: str) -> None: ...


class LogSender:
    """Writes the message to the log: for a installation without a gateway (the default)."""

    def send(self, *, phone: str, text: str, key: str) -> None:
        log.info("message %s to %s: %s", key, phone, text)


@dataclass(frozen=True)
class HttpSender:
    url: str
    headers: dict[str, str]
    body: str
    escape: str = "json"
    timeout: float = 10.0

    def _value(self, value: str) -> str:
        if self.escape == "form":
            return urllib.parse.quote_plus(value)
        return json.dumps(value, ensure_ascii=False)[1:-1]

    def send(self, *, phone: str, text: str, key: str) -> None:
        body = string.Template(self.body).safe_substitute(
            phone=self._value(phone), text=self._value(text), key=self._value(key)
        )
        request = urllib.request.Request(  # noqa: S310 (the operator's configured URL)
            self.url, data=body.encode("utf-8"), headers=self.headers, method="POST"
        )
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as answer:  # noqa: S310
                answer.read(REASON_MAX)
        except urllib.error.HTTPError as err:
            detail = err.read(REASON_MAX).decode("utf-8", "replace") if err.fp else ""
            raise SendFailed(f"HTTP {err.code}: {detail}".strip()) from None
        except (urllib.error.URLError, TimeoutError, OSError) as err:
            reason = getattr(err, "reason", err)
            raise SendFailed(f"{type(err).__name__}: {reason}") from None


def sender_from_config(config: Any) -> Sender:
    kind = str(config.get("MESSAGE_SENDER", "log"))
    if kind == "log":
        return LogSender()
    if kind == "http":
        headers = config.get("MESSAGE_HTTP_HEADERS") or {}
        if isinstance(headers, str):
            headers = json.loads(headers or "{}")
        return HttpSender(
            url=str(config["MESSAGE_HTTP_URL"]),
            headers={str(k): str(v) for k, v in dict(headers).items()},
            body=str(config.get("MESSAGE_HTTP_BODY") or '{"to": "$phone", "text": "$text"}'),
            escape=str(config.get("MESSAGE_HTTP_ESCAPE", "json")),
            timeout=float(config.get("MESSAGE_HTTP_TIMEOUT", 10)),
        )
    raise ValueError(f"MESSAGE_SENDER must be 'log' or 'http', not {kind!r}")

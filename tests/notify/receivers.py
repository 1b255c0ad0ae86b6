"""Local servers that stand in for the services notifications go to, each on a free port: an
HTTP server per robot format that checks the signature and the body the way the service does
and answers as it does, and an aiosmtpd SMTP server."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import socket
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

from aiosmtpd.controller import Controller


@dataclass
class Receiver:
    """One robot / webhook / SMS gateway. ``received``: the messages it accepted (body as
    parsed); ``requests``: how many it was sent; ``fail_next``: answer that many with an error;
    ``hold_next``: keep the next request unanswered (``arrived`` set) until ``release``."""

    kind: str  # wecom | dingtalk | feishu | webhook | sms
    secret: str = ""
    token: str = "tok-123"
    received: list[dict[str, Any]] = field(default_factory=list)
    refused: list[str] = field(default_factory=list)
    requests: int = 0
    fail_next: int = 0
    hold_next: bool = False
    arrived: threading.Event = field(default_factory=threading.Event)
    release: threading.Event = field(default_factory=threading.Event)
    keys: set[str] = field(default_factory=set)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def start(self) -> Receiver:
        owner = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 - http.server's name
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                with owner.lock:  # one request at a time: counts and keys stay exact
                    status, answer = owner.handle(self.path, dict(self.headers), body)
                if owner.hold_next:
                    owner.hold_next = False
                    owner.arrived.set()
                    owner.release.wait(30)
                data = json.dumps(answer).encode()
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(data)))
                    self.end_headers()
                    self.wfile.write(data)
                except OSError:
                    pass  # the sender is gone

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()
        return self

    def stop(self) -> None:
        self.release.set()
        self.server.shutdown()
        self.server.server_close()

    @property
    def url(self) -> str:
        """The URL a channel of this kind is configured with (its token included)."""
        base = f"http://127.0.0.1:{self.server.server_port}"
        return {
            "wecom": f"{base}/cgi-bin/webhook/send?key={self.token}",
            "dingtalk": f"{base}/robot/send?access_token={self.token}",
            "feishu": f"{base}/open-apis/bot/v2/hook/{self.token}",
        }.get(self.kind, f"{base}/hook")

    # -- what each service checks ---------------------------------------------------------------
    def handle(self, path: str, headers: dict[str, str], body: bytes) -> tuple[int, dict]:
        self.requests += 1
        if self.fail_next:
            self.fail_next -= 1
            return 503, {"error": "try later"}
        try:
            message = json.loads(body)
            problem = getattr(self, f"_check_{self.kind}")(path, headers, message, body)
        except (ValueError, KeyError, TypeError) as exc:
            problem = f"bad body: {exc}"
            message = {}
        if problem:
            self.refused.append(problem)
            if self.kind in ("webhook", "sms"):
                return 401, {"error": problem}
            return 200, {"errcode": 310000, "errmsg": problem, "code": 19021, "msg": problem}
        key = headers.get("Idempotency-Key", "")
        if key and key in self.keys:
            return 200, {"ok": True, "duplicate": True}  # a repeat: dropped, not delivered again
        self.keys.add(key)
        self.received.append(message)
        return 200, {"errcode": 0, "errmsg": "ok", "code": 0, "msg": "success", "ok": True}

    def _check_wecom(self, path: str, headers: dict, m: dict, raw: bytes) -> str:
        q = parse_qs(urlsplit(path).query)
        if urlsplit(path).path != "/cgi-bin/webhook/send" or q.get("key") != [self.token]:
            return "invalid webhook url"
        if m["msgtype"] != "text" or not m["text"]["content"]:
            return "bad msgtype or empty content"
        return ""

    def _check_dingtalk(self, path: str, headers: dict, m: dict, raw: bytes) -> str:
        q = parse_qs(urlsplit(path).query)
        if q.get("access_token") != [self.token]:
            return "token is not exist"
        ts = q["timestamp"][0]
        if abs(int(ts) / 1000 - time.time()) > 3600:
            return "timestamp is not within one hour"
        mac = hmac.new(self.secret.encode(), f"{ts}\n{self.secret}".encode(), hashlib.sha256)
        if q["sign"][0] != base64.b64encode(mac.digest()).decode():
            return "sign not match"
        if m["msgtype"] != "text" or not m["text"]["content"] or "atMobiles" not in m["at"]:
            return "bad body"
        return ""

    def _check_feishu(self, path: str, headers: dict, m: dict, raw: bytes) -> str:
        if urlsplit(path).path != f"/open-apis/bot/v2/hook/{self.token}":
            return "incoming webhook access token invalid"
        ts = m["timestamp"]
        if abs(int(ts) - time.time()) > 3600:
            return "timestamp is not within one hour"
        mac = hmac.new(f"{ts}\n{self.secret}".encode(), b"", hashlib.sha256)
        if m["sign"] != base64.b64encode(mac.digest()).decode():
            return "sign match fail"
        if m["msg_type"] != "text" or not m["content"]["text"]:
            return "bad body"
        return ""

    def _check_webhook(self, path: str, headers: dict, m: dict, raw: bytes) -> str:
        if not headers.get("Idempotency-Key") or headers["Idempotency-Key"] != m["id"]:
            return "no idempotency key"
        if self.secret:
            mac = hmac.new(self.secret.encode(), headers["X-Gridops-Timestamp"].encode() + b"."
                           + raw, hashlib.sha256)  # fmt: skip
            if headers.get("X-Gridops-Signature") != f"sha256={mac.hexdigest()}":
                return "bad signature"
        return "" if m["text"] and m["ticket"] and m["kind"] else "bad body"

    def _check_sms(self, path: str, headers: dict, m: dict, raw: bytes) -> str:
        if headers.get("Authorization") != f"Bearer {self.secret}":
            return "unauthorised"
        return "" if m["to"] and m["text"] and m["id"] else "bad body"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Mailbox:
    """An aiosmtpd SMTP server on a free port; ``mail``: (recipients, message bytes)."""

    def __init__(self) -> None:
        self.mail: list[tuple[list[str], bytes]] = []
        self.port = free_port()

        outer = self

        class Handler:
            async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
                outer.mail.append((list(envelope.rcpt_tos), envelope.content))
                return "250 OK"

        self.controller = Controller(Handler(), hostname="127.0.0.1", port=self.port)

    def __enter__(self) -> Mailbox:
        self.controller.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.controller.stop()

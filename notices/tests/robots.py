"""A real HTTP server on 127.0.0.1 standing in for one robot, checking each request the way the
service documents it, and answering as scripted (an HTTP status per request, or a stall)."""

import base64
import hashlib
import hmac
import json
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

STALL = "stall"


def dingtalk_sign(timestamp, secret):
    """DingTalk's documented 加签: base64 HMAC-SHA256 keyed by the secret over ``timestamp\\nsecret``."""
    digest = hmac.new(secret.encode(), f"{timestamp}\n{secret}".encode(), hashlib.sha256).digest()
    return base64.b64encode(digest).decode()


def feishu_sign(timestamp, secret):
    """Feishu's documented 签名校验: base64 HMAC-SHA256 keyed by ``timestamp\\nsecret`` over nothing."""
    digest = hmac.new(f"{timestamp}\n{secret}".encode(), b"", hashlib.sha256).digest()
    return base64.b64encode(digest).decode()


def check_wecom(request, secret):
    body = request["json"]
    if body.get("msgtype") == "markdown":
        assert set(body) == {"msgtype", "markdown"} and set(body["markdown"]) == {"content"}
        assert isinstance(body["markdown"]["content"], str)
    else:
        assert body.get("msgtype") == "text" and set(body) == {"msgtype", "text"}
        assert set(body["text"]) <= {"content", "mentioned_list", "mentioned_mobile_list"}
    assert "key" in request["query"]


def check_dingtalk(request, secret):
    query = request["query"]
    assert {"access_token", "timestamp", "sign"} <= set(query)
    assert abs(int(query["timestamp"]) - time.time() * 1000) < 3_600_000  # DingTalk: within an hour
    assert query["sign"] == dingtalk_sign(query["timestamp"], secret)  # parse_qs has undone the URL encoding
    assert urllib.parse.quote_plus(query["sign"]) in request["raw_query"]
    body = request["json"]
    assert set(body) == {"msgtype", "markdown", "at"} and body["msgtype"] == "markdown"
    assert set(body["markdown"]) == {"title", "text"}
    assert set(body["at"]) == {"atMobiles", "isAtAll"} and body["at"]["isAtAll"] is False


def check_feishu(request, secret):
    body = request["json"]
    assert set(body) == {"timestamp", "sign", "msg_type", "card"} and body["msg_type"] == "interactive"
    assert isinstance(body["timestamp"], str) and abs(int(body["timestamp"]) - time.time()) < 3600
    assert body["sign"] == feishu_sign(body["timestamp"], secret)
    assert body["card"]["header"]["title"]["tag"] == "plain_text"


def check_webhook(request, secret):
    expected = "sha256=" + hmac.new(secret.encode(), request["raw"], hashlib.sha256).hexdigest()
    assert request["headers"].get("X-Ledger-Signature") == expected
    assert set(request["json"]) == {"event", "key", "title", "lines", "link", "mobiles"}


CHECKS = {"wecom": check_wecom, "dingtalk": check_dingtalk, "feishu": check_feishu, "webhook": check_webhook}
TAKEN = {"wecom": {"errcode": 0, "errmsg": "ok"}, "dingtalk": {"errcode": 0, "errmsg": "ok"}, "feishu": {"code": 0, "msg": "success"}, "webhook": {"ok": True}}


class Robot:
    """``Robot("dingtalk", secret)``: ``url`` to configure, ``requests`` received, ``problems`` found."""

    def __init__(self, kind, secret="", answers=()):
        self.kind, self.secret = kind, secret
        self.answers = list(answers)
        self.requests, self.problems = [], []
        robot = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                raw = self.rfile.read(int(self.headers["Content-Length"]))
                parsed = urllib.parse.urlsplit(self.path)
                request = {
                    "path": parsed.path,
                    "raw_query": parsed.query,
                    "query": {k: v[0] for k, v in urllib.parse.parse_qs(parsed.query).items()},
                    "headers": dict(self.headers),
                    "raw": raw,
                    "json": json.loads(raw),
                }
                robot.requests.append(request)
                try:
                    assert self.headers["Content-Type"].startswith("application/json")
                    CHECKS[robot.kind](request, robot.secret)
                except AssertionError as error:
                    robot.problems.append(repr(error) or "check failed")
                    return self.answer(400, {"errcode": 310000, "errmsg": "sign not match"})
                answer = robot.answers.pop(0) if robot.answers else 200
                if answer == STALL:
                    time.sleep(1.5)
                    return self.answer(200, TAKEN[robot.kind])
                self.answer(answer, TAKEN[robot.kind] if answer == 200 else {"errcode": -1, "errmsg": "system busy"})

            def answer(self, status, data):
                body = json.dumps(data).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    @property
    def base(self):
        return f"http://127.0.0.1:{self.server.server_port}"

    @property
    def bodies(self):
        return [request["json"] for request in self.requests]

    def close(self):
        self.server.shutdown()
        self.server.server_close()

"""Feishu / Lark (飞书) custom bot: POST to ``…/bot/v2/hook/TOKEN``.

With a signing secret (签名校验) the body carries ``timestamp`` (seconds, as a string) and
``sign``: the base64 HMAC-SHA256 keyed by ``timestamp + "\\n" + secret`` over an empty message.
The message is an interactive card: a header with the title, the lines as ``lark_md`` and a
button to the page. A custom bot can @-mention only by Feishu user id, which the ledger does not
know: the card names no one.
"""

import base64
import hashlib
import hmac
import time

from .http import endpoint, expect_zero, post_json


def signature(timestamp, secret):
    key = f"{timestamp}\n{secret}".encode()
    return base64.b64encode(hmac.new(key, b"", hashlib.sha256).digest()).decode()


def card(message):
    return {
        "config": {"wide_screen_mode": True},
        "header": {"title": {"tag": "plain_text", "content": message.title}, "template": "blue"},
        "elements": [
            {"tag": "div", "text": {"tag": "lark_md", "content": "\n".join(message.lines)}},
            {
                "tag": "action",
                "actions": [
                    {"tag": "button", "text": {"tag": "plain_text", "content": "点击办理"}, "url": message.link, "type": "primary"}
                ],
            },
        ],
    }


def payload(message, secret="", now=time.time):
    body = {}
    if secret:
        timestamp = str(int(now()))
        body.update(timestamp=timestamp, sign=signature(timestamp, secret))
    body.update(msg_type="interactive", card=card(message))
    return body


def url(channel):
    return endpoint(channel, "NOTICE_FEISHU_URL", lambda base, token: base.rstrip("/") + "/" + token)


def send(channel, message, key=""):
    return expect_zero(post_json(url(channel), payload(message, channel.secret)), "code", "StatusCode")

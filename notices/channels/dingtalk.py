"""DingTalk (钉钉) custom robot: POST to ``…/robot/send?access_token=TOKEN&timestamp=T&sign=S``.

With a signing secret (加签): ``T`` is the time in milliseconds and ``S`` the URL-encoded base64
HMAC-SHA256, keyed by the secret, of ``T + "\\n" + secret``. The body is a markdown message; the
people to @-mention go in ``at.atMobiles`` and as ``@mobile`` in the text (DingTalk shows the
mention only when the number is in the text too).
"""

import base64
import hashlib
import hmac
import time
import urllib.parse

from .http import endpoint, expect_zero, post_json


def signature(timestamp, secret):
    string_to_sign = f"{timestamp}\n{secret}".encode()
    digest = hmac.new(secret.encode(), string_to_sign, hashlib.sha256).digest()
    return urllib.parse.quote_plus(base64.b64encode(digest))


def payload(message):
    text = message.markdown()
    if message.mobiles:
        text += "\n\n" + " ".join(f"@{mobile}" for mobile in message.mobiles)
    return {
        "msgtype": "markdown",
        "markdown": {"title": message.title, "text": text},
        "at": {"atMobiles": message.mobiles, "isAtAll": False},
    }


def url(channel, now=time.time):
    address = endpoint(channel, "NOTICE_DINGTALK_URL", lambda base, token: f"{base}?access_token={token}")
    if not channel.secret:
        return address
    timestamp = str(round(now() * 1000))
    separator = "&" if "?" in address else "?"
    return f"{address}{separator}timestamp={timestamp}&sign={signature(timestamp, channel.secret)}"


def send(channel, message, key=""):
    return expect_zero(post_json(url(channel), payload(message)), "errcode")

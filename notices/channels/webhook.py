"""Generic JSON webhook for other systems: POST the message as JSON to the channel's URL.

Body (UTF-8 JSON)::

    {"event": "report_returned", "key": "review:17", "title": "…", "lines": ["…"],
     "link": "https://…/measures/5/#year-2024", "mobiles": ["13800000000"]}

``key`` is the same on a retry: a receiver that sees a key twice can drop the second. With a
secret, the header ``X-Ledger-Signature: sha256=<hex>`` carries the HMAC-SHA256 of the exact
body bytes keyed by the secret. Any 2xx answer means taken.
"""

import hashlib
import hmac
import json

from .http import post_json


def body(message, key):
    data = {
        "event": message.event,
        "key": key,
        "title": message.title,
        "lines": message.lines,
        "link": message.link,
        "mobiles": message.mobiles,
    }
    return json.dumps(data, ensure_ascii=False).encode()


def signature(raw, secret):
    return "sha256=" + hmac.new(secret.encode(), raw, hashlib.sha256).hexdigest()


def send(channel, message, key=""):
    raw = body(message, key)
    headers = {"X-Ledger-Signature": signature(raw, channel.secret)} if channel.secret else {}
    return post_json(channel.address, raw, headers)

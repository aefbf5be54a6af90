"""One JSON POST to a robot with the standard library, and what its answer means."""

import json
import socket
import urllib.error
import urllib.request

from ..conf import setting


class Retry(Exception):
    """The service did not take the message this time (5xx, timeout, no connection): try again."""


class Refused(Exception):
    """The service refused the message (4xx, an error code): trying again will not help."""


def endpoint(channel, base_setting, join):
    """The robot's URL: the channel's own full URL, else the base URL setting joined with its key."""
    if channel.address.startswith(("http://", "https://")):
        return channel.address
    return join(setting(base_setting), channel.address)


def post_json(url, payload, headers=None):
    """POST ``payload`` (a dict or bytes) as JSON; the answer's text on 2xx."""
    body = payload if isinstance(payload, bytes) else json.dumps(payload, ensure_ascii=False).encode()
    request = urllib.request.Request(
        url, data=body, method="POST", headers={"Content-Type": "application/json; charset=utf-8", **(headers or {})}
    )
    try:
        with urllib.request.urlopen(request, timeout=setting("NOTICE_HTTP_TIMEOUT")) as response:
            return response.read().decode("utf-8", "replace")
    except urllib.error.HTTPError as error:
        answer = f"HTTP {error.code}: {error.read().decode('utf-8', 'replace')[:500]}"
        raise (Retry if error.code >= 500 or error.code == 429 else Refused)(answer) from None
    except (urllib.error.URLError, socket.timeout, ConnectionError, TimeoutError) as error:
        raise Retry(f"{type(error).__name__}: {getattr(error, 'reason', error)}") from None


def answer_code(answer, *keys):
    """The service's own result code in its JSON answer (0 = taken), or None when it has none."""
    try:
        data = json.loads(answer)
    except ValueError:
        return None
    for key in keys:
        if isinstance(data, dict) and key in data:
            return data[key]
    return None


def expect_zero(answer, *keys):
    code = answer_code(answer, *keys)
    if code not in (None, 0):
        raise Refused(answer[:500])
    return answer

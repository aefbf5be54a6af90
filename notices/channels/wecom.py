"""WeCom (企业微信 / 政务微信) group robot: POST to ``…/webhook/send?key=KEY``.

A markdown message (``{"msgtype": "markdown", "markdown": {"content": …}}``) when nobody is to
be @-mentioned. WeCom's markdown can mention only by WeCom user id (``<@userid>``), which the
ledger does not know; mentions by mobile number exist only on text messages
(``text.mentioned_mobile_list``), so a message that mentions people goes as text.
"""

from .http import endpoint, expect_zero, post_json


def payload(message):
    if message.mobiles:
        return {"msgtype": "text", "text": {"content": message.text(), "mentioned_mobile_list": message.mobiles}}
    return {"msgtype": "markdown", "markdown": {"content": message.markdown()}}


def url(channel):
    return endpoint(channel, "NOTICE_WECOM_URL", lambda base, key: f"{base}?key={key}")


def send(channel, message, key=""):
    return expect_zero(post_json(url(channel), payload(message)), "errcode")

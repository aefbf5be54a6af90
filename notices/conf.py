"""The notification settings, each with its default; set them in ``ledger/settings.py`` or the environment.

| setting | default | what |
|---|---|---|
| ``NOTICE_WECOM_URL`` | ``https://qyapi.weixin.qq.com/cgi-bin/webhook/send`` | WeCom robot endpoint (政务微信 deployments have their own host) |
| ``NOTICE_DINGTALK_URL`` | ``https://oapi.dingtalk.com/robot/send`` | DingTalk robot endpoint |
| ``NOTICE_FEISHU_URL`` | ``https://open.feishu.cn/open-apis/bot/v2/hook/`` | Feishu endpoint (Lark: ``https://open.larksuite.com/open-apis/bot/v2/hook/``) |
| ``NOTICE_HTTP_TIMEOUT`` | 10 | seconds to wait for a robot's answer |
| ``NOTICE_RETRY_DELAYS`` | (2, 10, 30) | seconds to wait before each retry of a 5xx, timeout or refused connection |
| ``NOTICE_ESCALATE_OVERDUE_DAYS`` | 30 | a milestone overdue by more than this many days is escalated |
| ``NOTICE_ESCALATE_REVIEW_WORKDAYS`` | 5 | a report waiting for review more than this many working days is escalated |
| ``NOTICE_DAILY_AT`` | ``"07:30"`` | local time (``TIME_ZONE``) at which the worker runs the day's reminders, escalations and digests |
"""

import os

from django.conf import settings

DEFAULTS = {
    "NOTICE_WECOM_URL": "https://qyapi.weixin.qq.com/cgi-bin/webhook/send",
    "NOTICE_DINGTALK_URL": "https://oapi.dingtalk.com/robot/send",
    "NOTICE_FEISHU_URL": "https://open.feishu.cn/open-apis/bot/v2/hook/",
    "NOTICE_HTTP_TIMEOUT": 10,
    "NOTICE_RETRY_DELAYS": (2, 10, 30),
    "NOTICE_ESCALATE_OVERDUE_DAYS": 30,
    "NOTICE_ESCALATE_REVIEW_WORKDAYS": 5,
    "NOTICE_DAILY_AT": "07:30",
}


def setting(name):
    """The Django setting ``name``, else the environment variable of that name, else the default."""
    if hasattr(settings, name):
        return getattr(settings, name)
    default = DEFAULTS[name]
    value = os.environ.get(name)
    if value is None:
        return default
    if isinstance(default, tuple):
        return tuple(float(part) for part in value.split(","))
    return type(default)(value)

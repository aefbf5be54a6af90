"""The senders, one module per service. ``send(channel, message, key)`` posts one message and returns
the service's answer; it raises ``Retry`` for what may pass (5xx, timeout, refused connection)
and ``Refused`` for what will not (4xx, an error code in the answer)."""

from ..models import ChannelKind
from . import dingtalk, email, feishu, webhook, wecom
from .http import Refused, Retry

SENDERS = {
    ChannelKind.EMAIL: email,
    ChannelKind.WECOM: wecom,
    ChannelKind.DINGTALK: dingtalk,
    ChannelKind.FEISHU: feishu,
    ChannelKind.WEBHOOK: webhook,
}

__all__ = ["Refused", "Retry", "send"]


def send(channel, message, key=""):
    """Post ``message`` through ``channel``; ``key`` names the event for receivers that deduplicate."""
    return SENDERS[channel.kind].send(channel, message, key)

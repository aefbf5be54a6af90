"""E-mail through Django's mail backend: to the channel's address (a department mailbox), or to
the own addresses of the people the message is for when the channel has none."""

from django.conf import settings
from django.core.mail import EmailMessage

from .http import Refused, Retry


def send(channel, message, key=""):
    recipients = [channel.address] if channel.address else message.emails
    if not recipients:
        raise Refused("没有可用的电子邮箱地址")
    mail = EmailMessage(f"【任务台账】{message.title}", message.text(), settings.DEFAULT_FROM_EMAIL, recipients)
    try:
        mail.send()
    except OSError as error:  # smtplib errors included
        raise Retry(f"{type(error).__name__}: {error}") from None
    return "已发送至 " + "、".join(recipients)

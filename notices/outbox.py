"""The outbox: an event becomes one delivery per channel that serves its people or departments,
recorded before anything is sent, then posted with retries once the transaction commits.

``queue`` is called inside the transaction that makes the event (a review, a nudge, a digest):
when that rolls back, no delivery remains. A channel carries an event (``Delivery.event``)
once: queueing it again, a retry or a second ``send_reminders`` run never sends it twice.
A delivery that fails with 5xx, a timeout or no connection is retried after each of
``NOTICE_RETRY_DELAYS`` and then marked failed; every delivery is tried whatever the others do.
"""

import logging
import time

from django.db import transaction
from django.utils import timezone

from .channels import Refused, Retry, send
from .conf import setting
from .messages import Message
from .models import Channel, Delivery, DeliveryStatus
from .recipients import mail_address

log = logging.getLogger(__name__)


def channels_for(users=(), departments=()):
    """``{channel: recipient label}`` for the active channels serving ``users`` or ``departments``."""
    found = {}
    user_ids = {user.pk for user in users}
    department_ids = {department.pk for department in departments}
    own = Channel.objects.filter(active=True, users__in=user_ids).prefetch_related("users")
    for channel in own.distinct():
        names = [user.get_username() for user in channel.users.all() if user.pk in user_ids]
        found[channel] = "、".join(sorted(names))
    group = Channel.objects.filter(active=True, departments__in=department_ids).prefetch_related("departments")
    for channel in group.distinct():
        names = [d.name for d in channel.departments.all() if d.pk in department_ids]
        found[channel] = "、".join(filter(None, [found.get(channel), *sorted(names)]))
    return found


def queue(key, message, *, users=(), departments=()):
    """Record ``message`` for every channel serving ``users`` or ``departments``; send after commit.

    Returns the deliveries made now (none for a channel that already has the event)."""
    users = list(users)
    message.emails = [address for address in (mail_address(user) for user in users) if address]
    made = []
    for channel, recipient in channels_for(users, departments).items():
        delivery, created = Delivery.objects.get_or_create(
            channel=channel,
            event=key,
            defaults={"recipient": recipient[:300], "title": message.title[:300], "message": message.as_dict()},
        )
        if created:
            made.append(delivery)
    if made:
        transaction.on_commit(lambda: deliver_all(made))
    return made


def attempt(delivery):
    """Post one delivery, retrying what may pass; record the outcome. Never raises."""
    message = Message.from_dict(delivery.message)
    delays = list(setting("NOTICE_RETRY_DELAYS"))
    while True:
        delivery.attempts += 1
        try:
            delivery.answer = send(delivery.channel, message, delivery.event)[:2000]
        except Retry as error:
            delivery.answer = str(error)[:2000]
            if delays:
                time.sleep(delays.pop(0))
                continue
            delivery.status = DeliveryStatus.FAILED
        except Refused as error:
            delivery.answer = str(error)[:2000]
            delivery.status = DeliveryStatus.FAILED
        except Exception as error:  # a sender's own bug must not stop the other deliveries
            log.exception("delivery %s failed", delivery.pk)
            delivery.answer = f"{type(error).__name__}: {error}"[:2000]
            delivery.status = DeliveryStatus.FAILED
        else:
            delivery.status = DeliveryStatus.SENT
            delivery.sent_at = timezone.now()
        delivery.save(update_fields=["attempts", "answer", "status", "sent_at"])
        return delivery


def deliver_all(deliveries):
    """Attempt each pending delivery among ``deliveries`` (claimed first, so two runs never both post it)."""
    for delivery in deliveries:
        claimed = Delivery.objects.filter(pk=delivery.pk, status=DeliveryStatus.PENDING)
        if claimed.update(status=DeliveryStatus.SENDING):
            delivery.refresh_from_db()
            attempt(delivery)
    return deliveries


def deliver_pending():
    """Send what is still pending (a run or request that stopped before sending); returns them."""
    pending = Delivery.objects.filter(status=DeliveryStatus.PENDING).select_related("channel").order_by("pk")
    return deliver_all(list(pending))


def retry(deliveries):
    """Send failed deliveries again (the admin's 重新发送)."""
    ids = [delivery.pk for delivery in deliveries if delivery.status == DeliveryStatus.FAILED]
    Delivery.objects.filter(pk__in=ids, status=DeliveryStatus.FAILED).update(status=DeliveryStatus.PENDING)
    return deliver_all(list(Delivery.objects.filter(pk__in=ids).select_related("channel")))

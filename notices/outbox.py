"""The outbox: an event becomes one delivery per channel that serves its people or departments,
recorded before anything is sent, and sent by the worker (``manage.py worker``) once the
transaction that made it commits.

``queue`` is called inside the transaction that makes the event (a review, a nudge, a digest)
and enqueues the ``deliver`` job (defined here, beside what it calls) in that same transaction (the job queue is a
table of this database): when it rolls back, neither the delivery nor the job remains. A
channel carries an event (``Delivery.event``) once: queueing it again, a retry or a second
``send_reminders`` run never sends it twice, because whoever sends a delivery first claims it
(``pending`` → ``sending``). A delivery that fails with 5xx, a timeout or no connection is tried
again after each of ``NOTICE_RETRY_DELAYS`` (the worker: a job that waits that long; a command
run without a worker: a pause) and then marked failed; every delivery is tried whatever the
others do.
"""

import datetime
import logging
import time

from django.db import transaction
from django.utils import timezone
from django_tasks import task

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
    """Record ``message`` for every channel serving ``users`` or ``departments`` and enqueue its sending.

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
        deliver.enqueue([delivery.pk for delivery in made])
    return made


def claim(delivery):
    """Take a pending delivery for sending; False when someone else has it or it is done."""
    return bool(Delivery.objects.filter(pk=delivery.pk, status=DeliveryStatus.PENDING).update(status=DeliveryStatus.SENDING))


def post(delivery):
    """One try of a claimed delivery, recorded. Returns the seconds to wait before trying again
    (the delivery is pending again), or None when it is sent or failed. Never raises."""
    message = Message.from_dict(delivery.message)
    delays = list(setting("NOTICE_RETRY_DELAYS"))
    delivery.attempts += 1
    wait = None
    try:
        delivery.answer = send(delivery.channel, message, delivery.event)[:2000]
    except Retry as error:
        delivery.answer = str(error)[:2000]
        if delivery.attempts <= len(delays):
            wait = delays[delivery.attempts - 1]
            delivery.status = DeliveryStatus.PENDING
        else:
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
    return wait


def attempt(delivery):
    """Send a claimed delivery now, pausing between retries (a command, the admin's test message)."""
    while (wait := post(delivery)) is not None:
        time.sleep(wait)
        if not claim(delivery):
            break
    return delivery


def deliver_all(deliveries):
    """Claim and send each pending delivery among ``deliveries`` now; returns them, up to date."""
    for delivery in deliveries:
        claimed = claim(delivery)
        delivery.refresh_from_db()
        if claimed:
            attempt(delivery)
    return deliveries


def deliver_in_background(delivery_ids):
    """The worker's job: one try of each pending delivery; one that may pass later is enqueued
    again to run after its retry delay. Returns ``{status: count}``."""
    outcome = {}
    for delivery in Delivery.objects.filter(pk__in=delivery_ids).select_related("channel").order_by("pk"):
        if not claim(delivery):
            continue
        delivery.status = DeliveryStatus.SENDING
        wait = post(delivery)
        if wait is not None:
            deliver.using(run_after=timezone.now() + datetime.timedelta(seconds=wait)).enqueue([delivery.pk])
        outcome[str(delivery.status)] = outcome.get(str(delivery.status), 0) + 1
    return outcome


@task()
def deliver(delivery_ids):
    """The delivery job the worker (``manage.py worker``) runs: ``deliver_in_background``."""
    return deliver_in_background(delivery_ids)


def deliver_pending():
    """Send what is still pending now (``send_reminders`` run without a worker); returns them."""
    pending = Delivery.objects.filter(status=DeliveryStatus.PENDING).select_related("channel").order_by("pk")
    return deliver_all(list(pending))


def retry(deliveries):
    """Send failed deliveries again through the worker (the admin's 重新发送); returns how many."""
    ids = [delivery.pk for delivery in deliveries if delivery.status == DeliveryStatus.FAILED]
    with transaction.atomic():
        count = Delivery.objects.filter(pk__in=ids, status=DeliveryStatus.FAILED).update(status=DeliveryStatus.PENDING)
        if count:
            deliver.enqueue(ids)
    return count

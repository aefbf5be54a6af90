"""One run of ``send_reminders``: every person's digest for a day, each sent once, then the
channels' part (``notices.daily``: department digests, escalations, supervisors' digests).

For each person with something due (``notices.reminders``) or a nudge not mailed yet, in one
transaction per person: the items go into the sent-log and the inbox, the nudges are marked as
mailed, and the digest is sent when the person has an e-mail address. A mail that fails rolls
the person's records back, so the next run tries again; items already in the sent-log for the
day are never sent twice. A person's digest also goes through their own channels
(``notices.outbox``), once per channel and day; the command sends those at once, the worker's
daily job leaves them to the worker's delivery jobs (which retry with backoff).
"""

import logging
from collections import defaultdict
from dataclasses import dataclass, field

from django.contrib.auth.models import User
from django.db import transaction
from django.utils.translation import gettext as _

from .daily import send_daily
from .digest import build_digest, digest_message
from .models import DeliveryStatus, Notification, NotificationKind, SentReminder
from .notify import notify
from .outbox import deliver_all, deliver_pending, queue
from .recipients import mail_address
from .reminders import due_by_user

log = logging.getLogger(__name__)


@dataclass
class RunReport:
    digests: list = field(default_factory=list)
    failed: list = field(default_factory=list)
    deliveries: list = field(default_factory=list)

    @property
    def failed_deliveries(self):
        return [d for d in self.deliveries if d.status == DeliveryStatus.FAILED]

    @property
    def mailed(self):
        return [d for d in self.digests if d.address and d not in self.failed]

    @property
    def inbox_only(self):
        return [d for d in self.digests if not d.address]


def digests_for(day):
    """The digests due on ``day``, leaving out what the sent-log already has for that day."""
    per_user = due_by_user(day)
    sent = set(SentReminder.objects.filter(day=day).values_list("user_id", "milestone_id", "rule_id"))
    nudges = defaultdict(list)
    unmailed = Notification.objects.filter(kind=NotificationKind.NUDGE, mailed_on__isnull=True).select_related(
        "nudge__sender"
    )
    for note in unmailed.order_by("created_at", "pk"):
        nudges[note.user_id].append(note)
    users = User.objects.filter(pk__in=set(per_user) | set(nudges), is_active=True).select_related("person")
    digests = []
    for user in users.order_by("username"):
        items = [i for i in per_user.get(user.pk, []) if (user.pk, i.milestone.pk, i.rule.pk) not in sent]
        address = mail_address(user)
        mailed_nudges = nudges[user.pk] if address else []
        if items or mailed_nudges:
            digests.append(build_digest(user, address, items, mailed_nudges, day))
    return digests


@transaction.atomic
def deliver(digest):
    """Record the digest in the sent-log and the inbox, then mail it (if the person has an address)."""
    SentReminder.objects.bulk_create(
        SentReminder(
            user=digest.user,
            rule=item.rule,
            measure=item.measure,
            milestone=item.milestone,
            due_date=item.milestone.date,
            day=digest.day,
            emailed=bool(digest.address),
        )
        for group in digest.measures
        for item in group.items
    )
    for group in digest.measures:
        notify(
            [digest.user.pk],
            kind=NotificationKind.REMINDER,
            title=_("提醒：%(measure)s") % {"measure": group.label},
            body="\n".join(group.reasons),
            link=group.path,
            measure=group.measure,
        )
    if digest.nudges:
        Notification.objects.filter(pk__in=[n.pk for n in digest.nudges]).update(mailed_on=digest.day)
    made = queue(f"digest:{digest.day}:user:{digest.user.pk}", digest_message(digest), users=[digest.user])
    if digest.address:
        digest.message().send()
    return made


def send_reminders(day, *, dry_run=False, inline=True):
    """Build and (unless ``dry_run``) deliver every digest due on ``day``.

    The channel messages are queued for the worker; ``inline`` also sends what is pending now
    (the command, which cron may run with no worker), else the worker sends it (its daily job)."""
    report = RunReport(digests=digests_for(day))
    if dry_run:
        return report
    for digest in report.digests:
        try:
            report.deliveries += deliver(digest)
        except OSError:  # smtplib errors included: nothing of this person's is recorded, the next run retries
            log.exception("reminder digest for %s failed", digest.user)
            report.failed.append(digest)
    report.deliveries += send_daily(day)
    if inline:
        deliver_all(report.deliveries)
        report.deliveries += deliver_pending()
    return report

"""Putting messages in inboxes and channels: nudges, review results and extension decisions.

``tasks.workflow.review`` calls ``report_reviewed`` and ``extension_decided``; the nudge pages call
``nudge_measure`` and ``nudge_department``. Every message reaches users whether or not they
have an e-mail address; nudges also go out with the recipients' next reminder digest. Each
event is also queued (``notices.outbox``) for the channels of the people it is for and of the
measure's departments, @-mentioning the people's mobile numbers in group robots.
"""

from django.db import transaction
from django.db.models import Exists, OuterRef
from django.urls import reverse
from django.utils.translation import gettext as _

from tasks.choices import ProgressStatus
from tasks.models import Measure, Progress
from tasks.numbering import numbered_text

from .messages import Message
from .models import Notification, NotificationKind, Nudge
from .outbox import queue
from .reach import active_users, measure_departments, mobiles_of
from .recipients import department_users, responsible_users


def measure_label(measure):
    """``1.(3)② 建立…`` as the ledger numbers it (a flat ledger's ``3 建立…``; no number it has none)."""
    return numbered_text(measure.place_label, measure.text, 40)


def measure_link(measure):
    return reverse("measure_detail", args=[measure.pk])


def notify(user_ids, *, kind, title, body="", link="", measure=None, nudge=None):
    Notification.objects.bulk_create(
        Notification(user_id=user_id, kind=kind, title=title[:300], body=body, link=link, measure=measure, nudge=nudge)
        for user_id in user_ids
    )


@transaction.atomic
def nudge_measure(measure, *, sender, message):
    """催办 one measure: its responsible people get the message in their inbox and next digest."""
    nudge = Nudge.objects.create(sender=sender, message=message)
    nudge.measures.add(measure)
    owners = responsible_users([measure.pk])
    title = _("催办：%(measure)s") % {"measure": measure_label(measure)}
    notify(owners, kind=NotificationKind.NUDGE, title=title, body=message, link=measure_link(measure), measure=measure, nudge=nudge)
    lines = [message, _("催办人：%(sender)s") % {"sender": sender.get_full_name() or sender.get_username()}]
    note = Message("nudge", title, lines, measure_link(measure), mobiles_of(owners, [measure.pk]))
    queue(f"nudge:{nudge.pk}", note, users=active_users(owners), departments=measure_departments([measure.pk]))
    return nudge, len(owners)


@transaction.atomic
def nudge_department(department, *, sender, message):
    """催办 a department: its members get the message; the history of each of its measures not done
    in their plan's reporting year records it."""
    done = Progress.objects.filter(
        measure=OuterRef("pk"), year=OuterRef("item__task__section__plan__reporting_year"), status=ProgressStatus.DONE
    )
    open_measures = (
        Measure.objects.filter(units__department=department).exclude(Exists(done)).values_list("pk", flat=True)
    )
    nudge = Nudge.objects.create(sender=sender, message=message, department=department)
    nudge.measures.add(*set(open_measures))
    members = department_users(department)
    title = _("催办：%(department)s") % {"department": department.name}
    link = reverse("department_detail", args=[department.pk])
    notify((user.pk for user in members), kind=NotificationKind.NUDGE, title=title, body=message, link=link, nudge=nudge)
    lines = [message, _("催办人：%(sender)s") % {"sender": sender.get_full_name() or sender.get_username()}]
    note = Message("nudge", title, lines, link, mobiles_of([user.pk for user in members]))
    queue(f"nudge:{nudge.pk}", note, users=members, departments=[department])
    return nudge, len(members)


def report_reviewed(progress, *, reviewer, accepted, reason=""):
    """Tell the measure's responsible people that their report was accepted or returned."""
    measure = Measure.objects.select_related("item__task").get(pk=progress.measure_id)
    if accepted:
        title = _("%(year)s 年度完成报告已通过审核：%(measure)s")
    else:
        title = _("%(year)s 年度完成报告被退回：%(measure)s")
    owners = set(responsible_users([measure.pk])) - {reviewer.pk}
    title = title % {"year": progress.year, "measure": measure_label(measure)}
    link = f"{measure_link(measure)}#year-{progress.year}"
    notify(owners, kind=NotificationKind.REVIEW, title=title, body=reason, link=link, measure=measure)
    if accepted:
        event, lines = "report_accepted", [_("审核人：%(reviewer)s") % {"reviewer": reviewer.get_full_name() or reviewer.get_username()}]
    else:
        event, lines = "report_returned", [_("退回理由：%(reason)s") % {"reason": reason}, _("请修改后重新填报。")]
    record = progress.reviews.order_by("-pk").values_list("pk", flat=True).first()
    note = Message(event, title, lines, link, mobiles_of(owners, [measure.pk]))
    queue(f"review:{record}", note, users=active_users(owners), departments=measure_departments([measure.pk]))


def extension_decided(decision):
    """Tell whoever asked for an extension what was decided."""
    request = decision.request
    measure = Measure.objects.select_related("item__task").get(pk=request.measure_id)
    if decision.approved:
        title = _("延期申请已批准：%(measure)s 节点 %(old)s 延至 %(new)s")
    else:
        title = _("延期申请被驳回：%(measure)s 节点 %(old)s")
    values = {"measure": measure_label(measure), "old": f"{request.old_date:%Y-%m-%d}", "new": f"{request.new_date:%Y-%m-%d}"}
    title = title % values
    link = f"{measure_link(measure)}#year-{request.year}"
    notify([request.requested_by_id], kind=NotificationKind.EXTENSION, title=title, body=decision.note, link=link, measure=measure)
    lines = [_("申请理由：%(reason)s") % {"reason": request.reason}]
    if decision.note:
        lines.append(_("审批意见：%(note)s") % {"note": decision.note})
    event = "extension_approved" if decision.approved else "extension_refused"
    note = Message(event, title, lines, link, mobiles_of([request.requested_by_id]))
    queue(f"extension:{decision.pk}", note, users=active_users([request.requested_by_id]), departments=measure_departments([measure.pk]))

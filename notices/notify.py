"""Putting messages in inboxes: nudges, review results and extension decisions.

``tasks.review`` calls ``report_reviewed`` and ``extension_decided``; the nudge pages call
``nudge_measure`` and ``nudge_department``. Every message reaches users whether or not they
have an e-mail address; nudges also go out with the recipients' next reminder digest.
"""

from django.db import transaction
from django.db.models import Exists, OuterRef
from django.urls import reverse
from django.utils.translation import gettext as _

from tasks.choices import ProgressStatus
from tasks.models import Measure, Progress, circled

from .models import Notification, NotificationKind, Nudge
from .recipients import department_users, responsible_users


def measure_label(measure):
    """``1.(3)② 建立…`` as the ledger numbers it."""
    return f"{measure.item.task.number}.({measure.item.number}){circled(measure.number)} {measure.text[:40]}"


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
    users = department_users(department)
    title = _("催办：%(department)s") % {"department": department.name}
    link = reverse("department_detail", args=[department.pk])
    notify((user.pk for user in users), kind=NotificationKind.NUDGE, title=title, body=message, link=link, nudge=nudge)
    return nudge, len(users)


def report_reviewed(progress, *, reviewer, accepted, reason=""):
    """Tell the measure's responsible people that their report was accepted or returned."""
    measure = Measure.objects.select_related("item__task").get(pk=progress.measure_id)
    if accepted:
        title = _("%(year)s 年度完成报告已通过审核：%(measure)s")
    else:
        title = _("%(year)s 年度完成报告被退回：%(measure)s")
    owners = set(responsible_users([measure.pk])) - {reviewer.pk}
    notify(
        owners,
        kind=NotificationKind.REVIEW,
        title=title % {"year": progress.year, "measure": measure_label(measure)},
        body=reason,
        link=f"{measure_link(measure)}#year-{progress.year}",
        measure=measure,
    )


def extension_decided(decision):
    """Tell whoever asked for an extension what was decided."""
    request = decision.request
    measure = Measure.objects.select_related("item__task").get(pk=request.measure_id)
    if decision.approved:
        title = _("延期申请已批准：%(measure)s 节点 %(old)s 延至 %(new)s")
    else:
        title = _("延期申请被驳回：%(measure)s 节点 %(old)s")
    values = {"measure": measure_label(measure), "old": f"{request.old_date:%Y-%m-%d}", "new": f"{request.new_date:%Y-%m-%d}"}
    notify(
        [request.requested_by_id],
        kind=NotificationKind.EXTENSION,
        title=title % values,
        body=decision.note,
        link=f"{measure_link(measure)}#year-{request.year}",
        measure=measure,
    )

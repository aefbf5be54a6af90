"""What ``send_reminders`` sends through the channels besides each person's digest:

- each department's group digest: the department's measures in the day's due items, one post
  per department and day, @-mentioning the people responsible;
- escalations: a milestone overdue by more than ``NOTICE_ESCALATE_OVERDUE_DAYS`` goes to the
  channels of the measure's departments (the ledger has no notion of a department head: the
  department's group robot reaches its leadership) and to the supervisors; a report waiting
  for review more than ``NOTICE_ESCALATE_REVIEW_WORKDAYS`` official working days goes to the
  supervisors. Each milestone or report is escalated once (``Escalation``);
- each supervisor's digest: milestones overdue since yesterday, reports waiting for review and
  extension requests waiting for a decision, across all plans.

None of them covers a closed year (``tasks.year_close``): its milestones, reports and requests
can no longer change, so nobody is reminded of them.
"""

import datetime
from collections import defaultdict

import chinese_calendar
from django.db import transaction
from django.db.models import Max
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from tasks.choices import ReviewState
from tasks.models import Progress, ReviewRecord
from tasks.workflow.review import pending_requests
from tasks.standing.on_date import overdue_milestones
from tasks.workflow.year_close import in_closed_year

from .conf import setting
from .digest import reason
from .messages import Message
from .models import Escalation, EscalationKind
from .notify import measure_label, measure_link
from .outbox import queue
from .reach import measure_departments, mobiles_of, supervisors
from .recipients import department_users
from .reminders import due_items, in_open_years

ONE_DAY = datetime.timedelta(days=1)
MOST_LINES = 20
MILESTONE_RELATED = "deadline__measure__item__task__section__plan"


def capped(lines):
    """At most ``MOST_LINES`` lines, the rest counted in a last line."""
    if len(lines) <= MOST_LINES:
        return lines
    return [*lines[:MOST_LINES], _("……另有 %(count)s 项，请打开页面查看。") % {"count": len(lines) - MOST_LINES}]


def is_workday(day):
    """An official working day (法定节假日 and 调休 included); Monday to Friday for a year the
    calendar does not know yet."""
    try:
        return chinese_calendar.is_workday(day)
    except NotImplementedError:
        return day.weekday() < 5


def workdays_between(start, end):
    """The working days after ``start`` up to and including ``end``."""
    count, day = 0, start
    while day < end:
        day += ONE_DAY
        count += is_workday(day)
    return count


def department_digests(day):
    """One post per department with something due on ``day``; returns the deliveries made."""
    per_department = defaultdict(dict)
    for item in due_items(day):
        for department in measure_departments([item.measure.pk]):
            per_department[department].setdefault(item.measure.pk, []).append(item)
    made = []
    for department, measures in per_department.items():
        lines = []
        for items in measures.values():
            lines.append(f"{measure_label(items[0].measure)}：{'；'.join(reason(item) for item in items)}")
        title = _("%(department)s %(day)s 催办提醒：%(count)s 项工作措施") % {
            "department": department.name,
            "day": f"{day:%Y-%m-%d}",
            "count": len(measures),
        }
        members = [user.pk for user in department_users(department)]
        path = reverse("department_detail", args=[department.pk])
        message = Message("department_digest", title, capped(lines), path, mobiles_of(members, list(measures)))
        made += queue(f"digest:{day}:department:{department.pk}", message, departments=[department])
    return made


@transaction.atomic
def escalate_overdue(day):
    """Escalate once each milestone overdue on ``day`` by more than the setting's days."""
    late_days = setting("NOTICE_ESCALATE_OVERDUE_DAYS")
    done = Escalation.objects.filter(kind=EscalationKind.OVERDUE).values("subject")
    milestones = (
        in_open_years(overdue_milestones(day))
        .filter(date__lt=day - datetime.timedelta(days=late_days))
        .exclude(pk__in=done)
        .select_related(MILESTONE_RELATED)
        .order_by("date", "deadline__measure_id", "pk")
    )
    milestones = list(milestones)
    if not milestones:
        return []
    Escalation.objects.bulk_create(
        Escalation(kind=EscalationKind.OVERDUE, subject=m.pk, measure_id=m.deadline.measure_id, day=day) for m in milestones
    )
    per_department = defaultdict(list)
    lines = []
    for milestone in milestones:
        measure = milestone.deadline.measure
        line = _("%(measure)s：应于 %(date)s 完成，已逾期 %(days)s 天（完成时限：%(text)s）") % {
            "measure": measure_label(measure),
            "date": f"{milestone.date:%Y-%m-%d}",
            "days": (day - milestone.date).days,
            "text": milestone.deadline.text,
        }
        lines.append(line)
        for department in measure_departments([measure.pk]):
            per_department[department].append((measure, line))
    made = []
    for department, entries in per_department.items():
        title = _("逾期升级：%(department)s 有 %(count)s 个节点逾期超过 %(days)s 天") % {
            "department": department.name,
            "count": len(entries),
            "days": late_days,
        }
        measure_ids = [measure.pk for measure, _line in entries]
        path = measure_link(entries[0][0]) if len(entries) == 1 else reverse("department_detail", args=[department.pk])
        message = Message("overdue_escalation", title, capped([line for _m, line in entries]), path, mobiles_of([], measure_ids))
        made += queue(f"escalation:overdue:{day}:department:{department.pk}", message, departments=[department])
    title = _("逾期升级：%(count)s 个节点逾期超过 %(days)s 天") % {"count": len(milestones), "days": late_days}
    message = Message("overdue_escalation", title, capped(lines), reverse("overdue") + f"?as_of={day:%Y-%m-%d}")
    made += queue(f"escalation:overdue:{day}:supervisors", message, users=supervisors())
    return made


def waiting_reports(day):
    """``[(progress, submitted_on)]``: reports pending review on ``day``, oldest first."""
    pending = Progress.objects.filter(review=ReviewState.PENDING, measure__removed_at__isnull=True).exclude(
        in_closed_year("measure", "year")
    )
    submitted = dict(
        ReviewRecord.objects.filter(progress__in=pending, new_state=ReviewState.PENDING)
        .values("progress_id")
        .annotate(last=Max("pk"))
        .values_list("progress_id", "last")
    )
    records = ReviewRecord.objects.in_bulk(submitted.values())
    progress = pending.select_related("measure__item__task").in_bulk(submitted)
    found = [(progress[pid], records[rid]) for pid, rid in submitted.items()]
    found.sort(key=lambda pair: pair[1].created_at)
    return found


@transaction.atomic
def escalate_reviews(day):
    """Remind the supervisors once of each report waiting longer than the setting's working days."""
    limit = setting("NOTICE_ESCALATE_REVIEW_WORKDAYS")
    done = set(Escalation.objects.filter(kind=EscalationKind.REVIEW).values_list("subject", flat=True))
    late = []
    for progress, record in waiting_reports(day):
        waited = workdays_between(timezone.localdate(record.created_at), day)
        if waited > limit and record.pk not in done:
            late.append((progress, record, waited))
    if not late:
        return []
    Escalation.objects.bulk_create(
        Escalation(kind=EscalationKind.REVIEW, subject=record.pk, measure_id=progress.measure_id, day=day)
        for progress, record, _waited in late
    )
    lines = [
        _("%(measure)s：%(year)s 年度完成报告 %(date)s 提交，已等待 %(days)s 个工作日") % {
            "measure": measure_label(progress.measure),
            "year": progress.year,
            "date": f"{timezone.localdate(record.created_at):%Y-%m-%d}",
            "days": waited,
        }
        for progress, record, waited in late
    ]
    title = _("审核超时：%(count)s 份完成报告等待审核超过 %(days)s 个工作日") % {"count": len(late), "days": limit}
    message = Message("review_escalation", title, capped(lines), reverse("review_queue"))
    return queue(f"escalation:review:{day}:supervisors", message, users=supervisors())


def supervisor_lines(day):
    """The supervisors' digest lines for ``day``: new overdue, waiting reviews, extension requests."""
    lines = []
    new_overdue = list(
        in_open_years(overdue_milestones(day)).filter(date=day - ONE_DAY).select_related(MILESTONE_RELATED).order_by("deadline__measure_id")
    )
    if new_overdue:
        lines.append(_("新增逾期 %(count)s 个节点：") % {"count": len(new_overdue)})
        lines += capped([f"{measure_label(m.deadline.measure)}（应于 {m.date:%Y-%m-%d} 完成）" for m in new_overdue])
    waiting = waiting_reports(day)
    if waiting:
        lines.append(_("待审核完成报告 %(count)s 份：") % {"count": len(waiting)})
        lines += capped([f"{measure_label(p.measure)}（{p.year} 年度，{timezone.localdate(r.created_at):%Y-%m-%d} 提交）" for p, r in waiting])
    requests = list(pending_requests().exclude(in_closed_year("measure", "year")).select_related("measure__item__task").order_by("created_at", "pk"))
    if requests:
        lines.append(_("待审批延期申请 %(count)s 项：") % {"count": len(requests)})
        lines += capped(
            [f"{measure_label(r.measure)}（{r.old_date:%Y-%m-%d} 延至 {r.new_date:%Y-%m-%d}）" for r in requests]
        )
    return lines


def supervisor_digests(day):
    """One digest per supervisor through their own channels; returns the deliveries made."""
    lines = supervisor_lines(day)
    if not lines:
        return []
    title = _("【督查摘要】%(day)s 逾期、待审核与延期申请") % {"day": f"{day:%Y-%m-%d}"}
    made = []
    for user in supervisors():
        message = Message("supervisor_digest", title, lines, reverse("review_queue"))
        made += queue(f"supervisor-digest:{day}:user:{user.pk}", message, users=[user])
    return made


def send_daily(day):
    """Everything above for ``day``; returns the deliveries made."""
    return [*department_digests(day), *escalate_overdue(day), *escalate_reviews(day), *supervisor_digests(day)]

"""The audit export (审计导出): the history of a plan, or of a filtered list of measures, as xlsx or csv.

One row per recorded act, oldest first: when, who, which plan and measure, which year, what
(a report and its source, a review, an evidence file, an extension asked for or decided, a change
an import or admin made to the measure, a nudge (催办: who nudged whom about which measure), a year
closed or reopened, the reporting year moved),
the old value → the new one, and the note or reason. Every table is read once, in time order,
and the streams are merged as they are written (``heapq.merge``), so a plan of any size costs
the same number of queries and memory stays flat.
"""

import heapq
from collections import defaultdict

from django.db.models import OuterRef, Subquery
from django.utils import timezone
from django.utils.translation import gettext as _

from notices.models import Notification, Nudge

from tasks.choices import ProgressStatus, ReviewState
from tasks.exporting.flat import CONTENT_TYPES, write_csv, write_xlsx
from tasks.models import (
    Evidence,
    ExtensionDecision,
    ExtensionRequest,
    MeasureChange,
    ProgressEntry,
    ReportingYearChange,
    ReviewRecord,
    YearClosure,
)
from tasks.numbering import numbered_text, place_label

HEADERS = ["时间", "操作人", "台账", "工作措施", "年度", "事项", "原值", "新值", "说明"]
CHUNK_SIZE = 2000
STATUS_NAMES = dict(ProgressStatus.choices)
REVIEW_NAMES = dict(ReviewState.choices)


def local(moment):
    return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M:%S")


def who(username):
    return username or _("导入/系统")


def measure_label(task_label, item_label, label, text):
    return numbered_text(place_label(task_label, item_label, label), text)


MEASURE = ("item__task__label", "item__label", "label", "text")


def measure_fields(prefix):
    return [f"{prefix}{name}" for name in MEASURE]


def progress_rows(measures):
    previous = ProgressEntry.objects.filter(progress=OuterRef("progress"), version=OuterRef("version") - 1)
    entries = (
        ProgressEntry.objects.filter(progress__measure__in=measures)
        .annotate(previous_status=Subquery(previous.values("status")[:1]))
        .order_by("created_at", "pk")
        .values_list(
            "created_at", "user__username", "progress__measure__item__task__section__plan__title",
            *measure_fields("progress__measure__"), "progress__year", "source", "previous_status", "status", "note", "comment",
        )
    )
    sources = dict(ProgressEntry._meta.get_field("source").choices)
    for when, user, plan, *measure, year, source, old, new, note, comment in entries.iterator(chunk_size=CHUNK_SIZE):
        yield when, [
            who(user), plan, measure_label(*measure), year, _("填报（%(source)s）") % {"source": sources[source]},
            STATUS_NAMES.get(old, ""), STATUS_NAMES[new], "；".join(part for part in (note, comment) if part),
        ]


def review_rows(measures):
    records = (
        ReviewRecord.objects.filter(progress__measure__in=measures)
        .order_by("created_at", "pk")
        .values_list(
            "created_at", "user__username", "progress__measure__item__task__section__plan__title",
            *measure_fields("progress__measure__"), "progress__year", "old_state", "new_state", "reason",
        )
    )
    for when, user, plan, *measure, year, old, new, reason in records.iterator(chunk_size=CHUNK_SIZE):
        yield when, [who(user), plan, measure_label(*measure), year, _("审核"), REVIEW_NAMES[old], REVIEW_NAMES[new], reason]


def evidence_rows(measures):
    files = (
        Evidence.objects.filter(progress__measure__in=measures)
        .order_by("uploaded_at", "pk")
        .values_list(
            "uploaded_at", "uploaded_by__username", "progress__measure__item__task__section__plan__title",
            *measure_fields("progress__measure__"), "progress__year", "name", "sha256",
        )
    )
    for when, user, plan, *measure, year, name, sha256 in files.iterator(chunk_size=CHUNK_SIZE):
        yield when, [who(user), plan, measure_label(*measure), year, _("佐证材料"), "", name, f"SHA-256 {sha256}"]


def extension_rows(measures):
    requests = (
        ExtensionRequest.objects.filter(measure__in=measures)
        .order_by("created_at", "pk")
        .values_list(
            "created_at", "requested_by__username", "measure__item__task__section__plan__title",
            *measure_fields("measure__"), "year", "old_date", "new_date", "reason",
        )
    )
    for when, user, plan, *measure, year, old, new, reason in requests.iterator(chunk_size=CHUNK_SIZE):
        yield when, [who(user), plan, measure_label(*measure), year, _("延期申请"), f"{old:%Y-%m-%d}", f"{new:%Y-%m-%d}", reason]


def decision_rows(measures):
    decisions = (
        ExtensionDecision.objects.filter(request__measure__in=measures)
        .order_by("created_at", "pk")
        .values_list(
            "created_at", "user__username", "request__measure__item__task__section__plan__title",
            *measure_fields("request__measure__"), "request__year", "request__old_date", "request__new_date", "approved", "note",
        )
    )
    for when, user, plan, *measure, year, old, new, approved, note in decisions.iterator(chunk_size=CHUNK_SIZE):
        verdict = _("批准") if approved else _("驳回")
        yield when, [
            who(user), plan, measure_label(*measure), year, _("延期审批"), f"{old:%Y-%m-%d}", f"{new:%Y-%m-%d}（{verdict}）", note,
        ]


def change_rows(measures):
    changes = (
        MeasureChange.objects.filter(measure__in=measures)
        .order_by("created_at", "pk")
        .values_list(
            "created_at", "user__username", "measure__item__task__section__plan__title",
            *measure_fields("measure__"), "kind", "old_value", "new_value", "file_name",
        )
    )
    kinds = dict(MeasureChange._meta.get_field("kind").choices)
    for when, user, plan, *measure, kind, old, new, file_name in changes.iterator(chunk_size=CHUNK_SIZE):
        yield when, [who(user), plan, measure_label(*measure), "", _("措施变更：%(kind)s") % {"kind": kinds[kind]}, old, new, file_name]


def nudge_recipients(measures):
    """``{nudge id: "name、name"}``: whom each nudge of ``measures`` reached (the inboxes it went to)."""
    nudges = Nudge.measures.through.objects.filter(measure__in=measures).values("nudge_id")
    names = defaultdict(list)
    notes = Notification.objects.filter(nudge__in=nudges).order_by("nudge_id", "user__username")
    for nudge_id, username in notes.values_list("nudge_id", "user__username").distinct().iterator(chunk_size=CHUNK_SIZE):
        names[nudge_id].append(username)
    return {nudge_id: "、".join(users) for nudge_id, users in names.items()}


def nudge_rows(measures):
    """One row per nudged measure: the sender, and whom it reached (the department, then the people)."""
    recipients = nudge_recipients(measures)
    links = (
        Nudge.measures.through.objects.filter(measure__in=measures)
        .order_by("nudge__created_at", "nudge_id", "measure_id")
        .values_list(
            "nudge__created_at", "nudge__sender__username", "measure__item__task__section__plan__title",
            *measure_fields("measure__"), "nudge_id", "nudge__department__name", "nudge__message",
        )
    )
    for when, user, plan, *measure, nudge_id, department, message in links.iterator(chunk_size=CHUNK_SIZE):
        whom = "：".join(part for part in (department, recipients.get(nudge_id, "")) if part)
        yield when, [who(user), plan, measure_label(*measure), "", _("催办"), "", whom, message]


def closure_rows(plans):
    closures = (
        YearClosure.objects.filter(plan__in=plans)
        .select_related("plan", "department", "closed_by", "reopened_by")
        .order_by("closed_at", "pk")
    )
    acts = []
    for closure in closures:
        scope = closure.department.name if closure.department_id else _("全部部门")
        acts.append((closure.closed_at, [
            who(closure.closed_by.get_username() if closure.closed_by else ""), closure.plan.title, "", closure.year,
            _("关账"), "", scope, "",
        ]))
        if closure.reopened_at:
            acts.append((closure.reopened_at, [
                who(closure.reopened_by.get_username() if closure.reopened_by else ""), closure.plan.title, "", closure.year,
                _("重新开放"), scope, "", closure.reopen_reason,
            ]))
    return sorted(acts, key=lambda act: act[0])


def rollover_rows(plans):
    changes = ReportingYearChange.objects.filter(plan__in=plans).select_related("plan", "user").order_by("created_at", "pk")
    for change in changes:
        yield change.created_at, [
            who(change.user.get_username() if change.user else ""), change.plan.title, "", change.new_year,
            _("填报年度结转"), change.old_year or "", change.new_year,
            _("结转 %(count)s 项措施") % {"count": change.carried_over},
        ]


def audit_rows(measures, plans=None):
    """Every act on ``measures`` (a queryset), and the closures and rollovers of ``plans``, oldest first."""
    selected = measures.values("pk")
    streams = [
        progress_rows(selected), review_rows(selected), evidence_rows(selected), extension_rows(selected),
        decision_rows(selected), change_rows(selected), nudge_rows(selected),
    ]
    if plans is not None:
        streams += [closure_rows(plans), rollover_rows(plans)]
    for when, row in heapq.merge(*streams, key=lambda act: act[0]):
        yield [local(when), *row]


def write_audit_export(measures, fmt, output, *, plans=None):
    """Write the audit export of ``measures`` (and ``plans``' closures and rollovers) as ``fmt``; ``(content_type, filename)``."""
    if fmt not in CONTENT_TYPES:
        raise ValueError(f"format must be xlsx or csv, not {fmt!r}")
    rows = audit_rows(measures, plans)
    if fmt == "xlsx":
        write_xlsx(HEADERS, rows, output, sheet_title="历史记录")
    else:
        write_csv(HEADERS, rows, output)
    return CONTENT_TYPES[fmt], f"history-{timezone.localdate().isoformat()}.{fmt}"

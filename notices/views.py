"""The inbox (站内通知) and the supervisors' nudges (催办)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from departments.models import Department
from tasks.access import can_review, visible_measures
from tasks.models import Measure
from tasks.views.dashboard import paginate

from .forms import NudgeForm
from .models import Notification
from .notify import nudge_department, nudge_measure


@require_GET
@login_required
def inbox(request):
    """The user's own notifications, newest first."""
    notes = Notification.objects.filter(user=request.user).select_related("nudge__sender")
    page, params = paginate(request, notes, 50)
    return render(request, "notices/inbox.html", {"page": page, "params": params})


@require_POST
@login_required
def mark_read(request, pk):
    """Mark one of the user's notifications read; with ``open``, go on to what it is about."""
    note = get_object_or_404(Notification, pk=pk, user=request.user)
    Notification.objects.filter(pk=note.pk, read_at__isnull=True).update(read_at=timezone.now())
    return redirect(note.link if request.POST.get("open") and note.link else "inbox")


@require_POST
@login_required
def mark_all_read(request):
    Notification.objects.filter(user=request.user).unread().update(read_at=timezone.now())
    return redirect("inbox")


def nudge_message(request):
    """The nudge's message, or None (with an error shown) when it is missing; 403 for non-supervisors."""
    if not can_review(request.user):
        raise PermissionDenied(_("只有督查人员和管理员可以催办。"))
    form = NudgeForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("请填写催办内容（不超过 1000 字）。"))
        return None
    return form.cleaned_data["message"]


@require_POST
@login_required
def nudge_a_measure(request, pk):
    measure = get_object_or_404(visible_measures(request.user, Measure.objects.select_related("item__task")), pk=pk)
    message = nudge_message(request)
    if message is not None:
        _nudge, count = nudge_measure(measure, sender=request.user, message=message)
        messages.success(request, _("已向 %(count)s 位责任人发出催办。") % {"count": count})
    return redirect("measure_detail", pk=measure.pk)


@require_POST
@login_required
def nudge_a_department(request, pk):
    department = get_object_or_404(Department, pk=pk)
    message = nudge_message(request)
    if message is not None:
        _nudge, count = nudge_department(department, sender=request.user, message=message)
        messages.success(request, _("已向本部门 %(count)s 位人员发出催办。") % {"count": count})
    return redirect("department_detail", pk=department.pk)

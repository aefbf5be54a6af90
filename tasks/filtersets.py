"""Filters of the measure list, the API and the exports: all of them live in the URL.

``year``, ``as_of`` and ``soon_days`` do not remove rows by themselves: they choose the year
and date the standing (status, overdue, due soon) is judged for, and the other filters then
work on that standing. The standing filters are conditions (``tasks.standing.StandingOn``),
not annotations: the filtered queryset stays plain, so counting it or taking a page of it
never works out the standing of every row; ``with_standing`` adds it to the rows shown.
"""

import datetime

import django_filters
from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import MaxLengthValidator, MaxValueValidator, MinValueValidator
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_filters.fields import ModelChoiceField
from drf_spectacular.utils import extend_schema_field

from .access import visible_plans, visible_sections, visible_tasks
from .choices import MilestoneKind, ProgressStatus, ReviewState, Signal
from .models import Deadline, Measure, MeasureUnit, Milestone, Plan, Section, Task
from .widgets import DateInput
from tasks.standing.on_date import DEFAULT_SOON_DAYS, StandingOn


def yes_no_select():
    """Yes / no / either, as a select whose empty choice reads "either" instead of Django's "unknown"."""
    return forms.Select(choices=[("", _("不限")), ("true", _("是")), ("false", _("否"))])


#: What a parameter in the URL may hold. Beyond these a database cannot store the value (ids past
#: 64 bits overflow SQLite) or date arithmetic leaves the calendar (``9999-12-31`` plus 30 days).
EARLIEST_YEAR, LATEST_YEAR = 2000, 2100
EARLIEST_DATE, LATEST_DATE = datetime.date(EARLIEST_YEAR, 1, 1), datetime.date(LATEST_YEAR, 12, 31)
LARGEST_ID = 2**63 - 1
SOON_DAYS_MIN, SOON_DAYS_MAX = 1, 366
LONGEST_TEXT = 200


def date_bounds():
    return [MinValueValidator(EARLIEST_DATE), MaxValueValidator(LATEST_DATE)]


def is_id(value):
    """``value`` is written as an id: ASCII digits only (``²`` is a digit to Python, not an id)."""
    return value.isascii() and value.isdigit()


def is_plain_text(value):
    """Text a database can compare: no NUL (PostgreSQL refuses it) and at most ``LONGEST_TEXT`` characters."""
    return "\x00" not in value and len(value) <= LONGEST_TEXT


def validate_department(value):
    """A department by id (at most 64 bits) or by name (at most ``LONGEST_TEXT`` characters)."""
    if is_id(value) and int(value) > LARGEST_ID:
        raise ValidationError(_("部门编号过大。"), code="max_value")
    MaxLengthValidator(LONGEST_TEXT)(value)


class ScopeForm(forms.Form):
    """The scope of the supervisors' pages and ``/api/summary/``: ``plan``, ``year``, ``as_of``,
    ``soon_days``, ``department`` (``tasks.standing.dashboard.Scope``)."""

    plan = forms.CharField(required=False, max_length=LONGEST_TEXT)
    year = forms.IntegerField(required=False, min_value=EARLIEST_YEAR, max_value=LATEST_YEAR)
    as_of = forms.DateField(required=False, validators=date_bounds())
    soon_days = forms.IntegerField(required=False, min_value=SOON_DAYS_MIN, max_value=SOON_DAYS_MAX)
    department = forms.CharField(required=False, validators=[validate_department])


#: The bounds above as OpenAPI schemas (``/api/schema/``): what a client may send.
YEAR_SCHEMA = {"type": "integer", "minimum": EARLIEST_YEAR, "maximum": LATEST_YEAR}
DATE_SCHEMA = {
    "type": "string",
    "format": "date",
    "description": f"{EARLIEST_DATE.isoformat()} to {LATEST_DATE.isoformat()}",
}
ID_SCHEMA = {"type": "integer", "minimum": 1, "maximum": LARGEST_ID}
SOON_DAYS_SCHEMA = {"type": "integer", "minimum": SOON_DAYS_MIN, "maximum": SOON_DAYS_MAX}
TEXT_SCHEMA = {"type": "string", "maxLength": LONGEST_TEXT}
DEPARTMENT_SCHEMA = {
    "type": "string",
    "maxLength": LONGEST_TEXT,
    "description": f"a department's id (at most {LARGEST_ID}) or its exact name",
}


def documented(schema, parameter):
    """``parameter`` (a filter) with ``schema`` in ``/api/schema/``."""
    return extend_schema_field(schema)(parameter)


def form_errors(form):
    """A form's errors as one line naming each parameter: ``year：请确保该值小于或等于2100。``"""
    return "；".join(f"{name}：{' '.join(messages)}" for name, messages in form.errors.items())


class YearFilter(django_filters.NumberFilter):
    """A plan year: a whole number between ``EARLIEST_YEAR`` and ``LATEST_YEAR``."""

    field_class = forms.IntegerField


class IdChoiceField(ModelChoiceField):
    """A row chosen by its id; an id past 64 bits is refused before it reaches the database."""

    def to_python(self, value):
        text = "" if value is None else str(value).strip()
        if is_id(text) and int(text) > LARGEST_ID:
            raise ValidationError(self.error_messages["invalid_choice"], code="invalid_choice")
        return super().to_python(value)


@extend_schema_field(ID_SCHEMA)
class IdChoiceFilter(django_filters.ModelChoiceFilter):
    field_class = IdChoiceField


SOON_DAY_CHOICES = [("7", _("7天")), ("30", _("30天")), ("90", _("90天"))]

#: The task select lists at most this many tasks (those of the chosen section, or of the plan);
#: a province-wide plan has thousands, so its tasks are offered once a section is chosen.
TASK_CHOICES_MAX = 100


def today():
    return timezone.localdate()


class MeasureFilter(django_filters.FilterSet):
    plan = django_filters.ModelChoiceFilter(
        label=_("台账"), queryset=Plan.objects.all(), to_field_name="slug", field_name="item__task__section__plan"
    )
    year = documented(YEAR_SCHEMA, YearFilter(label=_("年度"), method="keep", min_value=EARLIEST_YEAR, max_value=LATEST_YEAR))
    as_of = documented(DATE_SCHEMA, django_filters.DateFilter(widget=DateInput(), label=_("截至日期"), method="keep", validators=date_bounds()))
    soon_days = django_filters.ChoiceFilter(
        label=_("即将到期天数"), choices=SOON_DAY_CHOICES, method="keep", empty_label=_("30天（默认）")
    )
    section = IdChoiceFilter(
        label=_("部分"), queryset=Section.objects.select_related("plan"), field_name="item__task__section"
    )
    task = IdChoiceFilter(
        label=_("重点任务"), queryset=Task.objects.select_related("section__plan"), field_name="item__task"
    )
    department = documented(
        DEPARTMENT_SCHEMA,
        django_filters.CharFilter(label=_("部门"), method="filter_department", validators=[validate_department]),
    )
    person = documented(
        TEXT_SCHEMA, django_filters.CharFilter(label=_("负责人"), field_name="person__name", max_length=LONGEST_TEXT)
    )
    status = django_filters.ChoiceFilter(label=_("状态"), choices=ProgressStatus.choices, method="filter_status")
    signal = django_filters.ChoiceFilter(label=_("提示"), choices=Signal.choices, method="filter_signal")
    overdue = django_filters.BooleanFilter(label=_("逾期"), method="filter_overdue", widget=yes_no_select())
    due_soon = django_filters.BooleanFilter(label=_("即将到期"), method="filter_due_soon", widget=yes_no_select())
    review = django_filters.ChoiceFilter(label=_("审核"), choices=ReviewState.choices[1:], method="filter_review")
    needs_review = django_filters.BooleanFilter(label=_("时限需人工核对"), method="filter_needs_review", widget=yes_no_select())
    kind = django_filters.ChoiceFilter(label=_("时限类型"), choices=MilestoneKind.choices, method="filter_kind")
    due_from = documented(
        DATE_SCHEMA, django_filters.DateFilter(widget=DateInput(), label=_("节点日期自"), method="filter_due_from", validators=date_bounds())
    )
    due_to = documented(
        DATE_SCHEMA, django_filters.DateFilter(widget=DateInput(), label=_("节点日期至"), method="filter_due_to", validators=date_bounds())
    )
    q = documented(TEXT_SCHEMA, django_filters.CharFilter(label=_("搜索"), method="filter_text", max_length=LONGEST_TEXT))

    class Meta:
        model = Measure
        fields = []

    def __init__(self, *args, **kwargs):
        """The plan, section and task choices: those of the chosen plan, and of them only those
        holding a measure the requesting user may see (``tasks.access``); without a request
        (code, not a page), every one."""
        super().__init__(*args, **kwargs)
        plans, sections, tasks = Plan.objects.all(), Section.objects.select_related("plan"), Task.objects.select_related("section__plan")
        plan = self.data.get("plan") if self.data else None
        if plan and is_plain_text(plan):
            sections, tasks = sections.filter(plan__slug=plan), tasks.filter(section__plan__slug=plan)
        if self.request is not None:
            user = self.request.user
            plans, sections, tasks = visible_plans(user, plans), visible_sections(user, sections), visible_tasks(user, tasks)
        self.filters["plan"].queryset = plans
        self.filters["section"].queryset = sections
        self.filters["task"].queryset = tasks

    @property
    def form(self):
        if not hasattr(self, "_form"):
            offer_tasks(super().form, self.data or {})
        return self._form

    #: The filters the list shows at once; the others fold under 更多筛选.
    COMMON = ("q", "plan", "department", "status")

    def common_fields(self):
        return [self.form[name] for name in self.COMMON]

    def more_fields(self):
        return [field for field in self.form if field.name not in self.COMMON]

    def more_chosen(self):
        """How many of the folded filters the URL sets (the fold opens when any is)."""
        return sum(1 for field in self.more_fields() if (self.data or {}).get(field.name) not in (None, ""))

    # -- the standing every other filter works on ------------------------------------

    @property
    def standing_year(self):
        data = self.form.cleaned_data if self.form.is_valid() else {}
        if data.get("year"):
            return int(data["year"])
        plan = data.get("plan")
        return plan.reporting_year if plan else None

    @property
    def as_of_date(self):
        data = self.form.cleaned_data if self.form.is_valid() else {}
        return data.get("as_of") or today()

    @property
    def soon(self):
        data = self.form.cleaned_data if self.form.is_valid() else {}
        return int(data.get("soon_days") or DEFAULT_SOON_DAYS)

    @property
    def standing(self):
        """The conditions of the standing on the chosen date and year."""
        return StandingOn(self.as_of_date, self.standing_year, self.soon)

    def keep(self, queryset, name, value):
        return queryset

    def filter_status(self, queryset, name, value):
        return queryset.filter(self.standing.status_is(value))

    def filter_signal(self, queryset, name, value):
        return queryset.filter(self.standing.signal_is(value))

    def filter_overdue(self, queryset, name, value):
        overdue = self.standing.overdue()
        return queryset.filter(overdue if value else ~overdue)

    def filter_due_soon(self, queryset, name, value):
        due_soon = self.standing.due_soon()
        return queryset.filter(due_soon if value else ~due_soon)

    def filter_review(self, queryset, name, value):
        return queryset.filter(self.standing.review_is(value))

    # -- filters that need more than a lookup ------------------------------------------

    def filter_department(self, queryset, name, value):
        """A department by id or by exact name, as lead or responsible unit."""
        units = MeasureUnit.objects.filter(
            Q(department_id=int(value)) if is_id(value) else Q(department__name=value.strip())
        )
        return queryset.filter(pk__in=units.values("measure_id"))

    def milestones_in_year(self):
        milestones = Milestone.objects.filter(deadline__measure=OuterRef("pk"))
        if self.standing_year:
            milestones = milestones.filter(deadline__year=self.standing_year)
        return milestones

    def filter_needs_review(self, queryset, name, value):
        flagged = Exists(Deadline.objects.filter(measure=OuterRef("pk"), needs_review=True))
        return queryset.filter(flagged if value else ~flagged)

    def filter_kind(self, queryset, name, value):
        return queryset.filter(Exists(self.milestones_in_year().filter(kind=value)))

    def filter_due_from(self, queryset, name, value):
        return queryset.filter(Exists(self.milestones_in_year().filter(date__gte=value)))

    def filter_due_to(self, queryset, name, value):
        return queryset.filter(Exists(self.milestones_in_year().filter(date__lte=value)))

    def filter_text(self, queryset, name, value):
        condition = Q()
        for word in value.split():
            condition &= (
                Q(text__icontains=word)
                | Q(item__text__icontains=word)
                | Q(item__task__title__icontains=word)
                | Q(person__name__icontains=word)
            )
        return queryset.filter(condition)


def offer_tasks(form, data):
    """Let the task select list the tasks of the chosen section (or of the plan, or of every plan)
    when there are at most ``TASK_CHOICES_MAX``; otherwise only the chosen task, with a hint to
    choose a section first. Any task of the plan is still accepted from the URL."""
    field = form.fields["task"]
    tasks = field.queryset
    section = data.get("section")
    if section and is_id(str(section)) and int(section) <= LARGEST_ID:
        tasks = tasks.filter(section_id=section)
    offered = list(tasks[: TASK_CHOICES_MAX + 1])
    empty = field.empty_label
    if len(offered) > TASK_CHOICES_MAX:
        chosen = data.get("task")
        offered = list(field.queryset.filter(pk=chosen)) if chosen and is_id(str(chosen)) and int(chosen) <= LARGEST_ID else []
        empty = _("（请先选择部分）")
    field.widget.choices = [("", empty), *((task.pk, str(task)) for task in offered)]

"""The daily digest (催办提醒) of one person: every measure that needs them, in one mail.

Built from the due items of ``notices.reminders`` and the nudges not mailed yet, rendered in
Chinese as plain text and HTML with a link to each measure's page.
"""

import datetime
from dataclasses import dataclass, field

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _

from .messages import Message
from .models import RuleKind
from .notify import measure_label, measure_link


def reason(item):
    """Why the item is in the digest, in one line."""
    milestone = item.milestone
    values = {"date": f"{milestone.date:%Y-%m-%d}" if milestone.date else "", "text": milestone.deadline.text}
    if item.rule.kind == RuleKind.BEFORE and item.days_left:
        values["days"] = item.days_left
        return _("还有 %(days)s 天到期（%(date)s，完成时限：%(text)s）") % values
    if item.rule.kind == RuleKind.BEFORE:
        return _("今天到期（%(date)s，完成时限：%(text)s）") % values
    if item.rule.kind == RuleKind.OVERDUE:
        values["days"] = item.days_late
        return _("已逾期 %(days)s 天（应于 %(date)s 完成，完成时限：%(text)s）") % values
    values.update(year=milestone.deadline.year, kind=milestone.get_kind_display())
    return _("请报告 %(year)s 年度工作进展（%(kind)s：%(text)s）") % values


@dataclass
class MeasureLines:
    measure: object
    label: str
    path: str
    reasons: list = field(default_factory=list)
    items: list = field(default_factory=list)

    @property
    def url(self):
        return settings.LEDGER_BASE_URL + self.path


@dataclass
class Digest:
    user: object
    address: str
    day: datetime.date
    measures: list
    nudges: list

    @property
    def subject(self):
        return _("【任务台账】%(day)s 催办提醒：%(count)s 项工作措施") % {
            "day": f"{self.day:%Y-%m-%d}",
            "count": len(self.measures) + len(self.nudges),
        }

    def message(self):
        """The mail: plain text and HTML parts."""
        with translation.override(settings.LANGUAGE_CODE):
            context = {"digest": self, "base_url": settings.LEDGER_BASE_URL}
            text = render_to_string("notices/digest.txt", context)
            html = render_to_string("notices/digest.html", context)
            mail = EmailMultiAlternatives(self.subject, text, settings.DEFAULT_FROM_EMAIL, [self.address])
        mail.attach_alternative(html, "text/html")
        return mail


def build_digest(user, address, items, nudges, day):
    """Group ``items`` by measure, in ledger order of first appearance."""
    groups = {}
    for item in items:
        measure = item.measure
        if measure.pk not in groups:
            groups[measure.pk] = MeasureLines(measure, measure_label(measure), measure_link(measure))
        groups[measure.pk].reasons.append(reason(item))
        groups[measure.pk].items.append(item)
    return Digest(user=user, address=address, day=day, measures=list(groups.values()), nudges=nudges)


def digest_message(digest):
    """The digest as a channel message: one line per measure and nudge, linking to 我的措施."""
    lines = [f"{group.label}：{'；'.join(group.reasons)}" for group in digest.measures]
    lines += [f"{note.title}：{note.body}" for note in digest.nudges]
    return Message("digest", digest.subject, lines, reverse("my_measures"))

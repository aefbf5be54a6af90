"""A notification as every channel renders it: a title, lines, a link to the page that acts on it,
and the mobile numbers to @-mention in a group robot message."""

import re
from dataclasses import asdict, dataclass, field

from django.conf import settings

MOBILE = re.compile(r"1\d{10}")


@dataclass
class Message:
    event: str
    title: str
    lines: list
    path: str
    mobiles: list = field(default_factory=list)
    emails: list = field(default_factory=list)

    @property
    def link(self):
        return settings.LEDGER_BASE_URL + self.path

    def as_dict(self):
        return asdict(self)

    @classmethod
    def from_dict(cls, data):
        return cls(**data)

    def text(self):
        """Plain text: title, lines, the link."""
        return "\n".join([self.title, *self.lines, f"办理：{self.link}"])

    def markdown(self):
        """Markdown as the robots read it: a heading, one line per item, the link."""
        lines = [f"### {self.title}", *(f"- {line}" for line in self.lines), f"[点击办理]({self.link})"]
        return "\n".join(lines)


def mobile_numbers(phones):
    """The mainland mobile numbers (11 digits from 1) in ``phones``, once each, in order; landlines left out."""
    numbers = []
    for phone in phones:
        for number in MOBILE.findall(re.sub(r"[\s-]", "", phone or "")):
            if number not in numbers:
                numbers.append(number)
    return numbers

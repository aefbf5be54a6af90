import re

from tasks.models import Measure


def measure_at(plan, task, item, number):
    """A measure by its numbers in the ledger: task 序号, item (n), measure ①."""
    return Measure.objects.get(
        item__task__section__plan__slug=plan, item__task__number=task, item__number=item, number=number
    )


def linked_measures(mail):
    """The measure ids the mail links to, in the plain-text part and in the HTML part."""
    html = mail.alternatives[0][0]
    text_ids = {int(pk) for pk in re.findall(r"/measures/(\d+)/", mail.body)}
    html_ids = {int(pk) for pk in re.findall(r'href="[^"]*/measures/(\d+)/"', html)}
    assert text_ids == html_ids
    return text_ids

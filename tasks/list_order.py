"""The orders the measure list offers (``?sort=`` in its URL): the ledger's own order, or by person
or status, each way (``-`` first: descending). Ties keep the ledger's order."""

from django.db.models import Case, F, IntegerField, OuterRef, Subquery, Value, When

from .choices import ProgressStatus
from .models import MeasureStanding

LEDGER_ORDER = (
    "item__task__section__plan", "item__task__section__order", "item__task__order", "item__order", "number", "pk",
)

#: The sorts a column header offers, by the name in the URL.
SORTS = ("place", "person", "status")

#: Statuses from the least to the most done, for sorting by status.
STATUS_RANK = (ProgressStatus.NOT_STARTED, ProgressStatus.IN_PROGRESS, ProgressStatus.ONGOING, ProgressStatus.DONE)


def sort_of(value):
    """``(name, descending)`` of a ``?sort=`` value; the ledger's order for anything else."""
    value = value or ""
    name = value.removeprefix("-")
    return (name, value.startswith("-")) if name in SORTS else ("place", False)


def sorted_measures(measures, value, *, year=None):
    """``measures`` in the order ``value`` asks for; ``year``: the year whose status counts (None:
    each plan's reporting year)."""
    name, descending = sort_of(value)
    if name == "place":
        keys = list(LEDGER_ORDER)
        return measures.order_by(*(f"-{key}" for key in keys) if descending else keys)
    if name == "status":
        standing = MeasureStanding.objects.filter(
            measure=OuterRef("pk"), year=F("plan__reporting_year") if year is None else year
        ).values("status")[:1]
        rank = Case(
            *(When(status_now=status.value, then=Value(i)) for i, status in enumerate(STATUS_RANK)),
            default=Value(0), output_field=IntegerField(),
        )
        measures = measures.annotate(status_now=Subquery(standing)).annotate(status_rank=rank)
        key = "status_rank"
    else:
        key = "person__name"
    first = F(key).desc(nulls_last=True) if descending else F(key).asc(nulls_last=True)
    return measures.order_by(first, *LEDGER_ORDER)

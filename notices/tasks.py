"""The notification jobs the worker (``manage.py worker``) runs."""

from django_tasks import task

from .outbox import deliver_in_background


@task()
def deliver(delivery_ids):
    """Send the pending deliveries among ``delivery_ids`` (``notices.outbox``)."""
    return deliver_in_background(delivery_ids)

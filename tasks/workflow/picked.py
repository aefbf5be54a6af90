"""The rows a bulk action was given: each picked on a page as ``"id:version"`` (the version the
page showed, so that a row changed since is refused as stale, not overwritten)."""

from dataclasses import dataclass


@dataclass(frozen=True)
class Picked:
    pk: int
    version: int

    @classmethod
    def parse(cls, value):
        """``"12:3"`` → ``Picked(12, 3)``; ``None`` for anything else."""
        first, sep, second = str(value).partition(":")
        if not (sep and first.isdigit() and second.isdigit()):
            return None
        return cls(int(first), int(second))


def parse_picked(values, *, most, refused, unreadable, none, too_many):
    """The rows picked among ``values``, each once, in their order. Raises ``refused(message)``
    for a value that is no pick (``unreadable``), for none (``none``) and for more than ``most``
    (``too_many``, formatted with ``count``)."""
    found = {}
    for value in values:
        picked = Picked.parse(value)
        if picked is None:
            raise refused(unreadable)
        found.setdefault(picked.pk, picked)
    if not found:
        raise refused(none)
    if len(found) > most:
        raise refused(too_many % {"count": most})
    return list(found.values())

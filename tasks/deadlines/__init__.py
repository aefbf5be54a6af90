"""Deadlines: the 完成时限 phrases of a ledger read into dated milestones, and stored per year.

``phrases`` reads a phrase into milestones (pure Python, with ``festivals`` and ``workdays`` for
the dates a phrase names by a festival or in working days); ``schedule`` keeps the stored phrases
and their milestones in step. May import ``tasks.models``, ``tasks.choices`` and, from
``schedule`` only, the kept standing (``tasks.standing.kept``); the readers in ``ledgerfiles``
import ``phrases``, so ``phrases`` imports nothing of the project but its own package.
"""

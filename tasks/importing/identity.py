"""Which stored entry a ledger file's entry is: identity by content, not by number.

Offices renumber when they delete, reorder, reword and split, so the number is the least
stable thing about a measure (or a section, task or item). ``match`` pairs the entries of a
file with the stored ones of one level using, together, the text (similarity after
``normalise``), the parent they sit in, the number and the units:

1. exact: same parent, same number, same text as written (an unchanged re-import ends here,
   without normalising or comparing anything else);
2. the same text, once on each side, within one group;
3. per group (a task for measures, the parent for the levels above) one optimal assignment
   (``scipy.optimize.linear_sum_assignment``) over the similarity; pairs whose texts are less
   alike than ``THRESHOLD`` are not pairs (the file's entry is new, the stored one removed);
4. across groups, for what is left: the same text once on each side, then one optimal
   assignment when the leftovers are few enough (``CROSS_LIMIT``): an entry that moved to
   another task.

Two equally good candidates are not guessed between: they are returned in ``ambiguous`` and
the caller stops and names them. Pure Python: no Django.
"""

import re
import unicodedata
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Hashable, NamedTuple

# numpy, rapidfuzz's matrices and scipy.optimize (50 MB and a second to import) are imported
# by the fuzzy passes that use them: an unchanged re-import, and every web process that never
# imports a ledger, does without them.

#: Text similarity (rapidfuzz ratio, 0–100, after ``normalise``) under which two entries are different.
THRESHOLD = 60

#: What else a pair has in common, added to the similarity: it decides between close candidates.
SAME_PARENT, SAME_NUMBER, SAME_UNITS = 4, 3, 3

#: Leftover file entries × leftover stored entries above which the cross-group pass compares
#: equal texts only (a plan replaced wholesale does not cost all × all).
CROSS_LIMIT = 1_000_000

PUNCTUATION = str.maketrans({"“": '"', "”": '"', "‘": "'", "’": "'", "、": ",", "。": ".", "【": "[", "】": "]", "《": "<", "》": ">"})


def normalise(text):
    """The text as compared: full- and half-width alike (NFKC), quotes and marks unified, no whitespace."""
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", text or "").translate(PUNCTUATION))


@dataclass(frozen=True, slots=True)
class Entry:
    """One side's section, task, item or measure, as the matcher sees it.

    ``group``: where it is matched first (a measure's stored task, a task's stored section);
    ``parent``: the stored entry it sits in (on the file's side: the one its parent was matched
    to, or a value no stored entry has when the parent is new); ``text`` as written (``normalise``
    is applied to what the exact pass leaves).
    """

    key: Hashable
    group: Hashable
    parent: Hashable
    number: Hashable
    text: str
    units: tuple = ()  # lists of unit names (lead, responsible), compared by value


@dataclass(frozen=True)
class Ambiguity:
    """File entries and stored entries that fit each other equally well."""

    file_keys: tuple
    stored_keys: tuple


@dataclass
class Matching:
    pairs: dict = field(default_factory=dict)  # file key → stored key
    ambiguous: list = field(default_factory=list)


def match(file_entries, stored_entries, *, cross_groups=True):
    """Pair ``file_entries`` with ``stored_entries`` (both ``Entry``, any iterables); see the
    module's docstring. With nothing stored (a first import) the file's entries are not even made."""
    result = Matching()
    stored = list(stored_entries)
    if not stored:
        return result
    by_place = {(s.parent, s.number, s.text): s for s in stored}
    left_file, taken = [], set()
    for entry in file_entries:
        found = by_place.get((entry.parent, entry.number, entry.text))
        if found is not None and found.key not in taken:
            result.pairs[entry.key] = found.key
            taken.add(found.key)
        else:
            left_file.append(entry)
    left_stored = [s for s in stored if s.key not in taken]
    if not left_file or not left_stored:
        return result
    file_groups, stored_groups = defaultdict(list), defaultdict(list)
    for entry in left_file:
        file_groups[entry.group].append(entry)
    for entry in left_stored:
        stored_groups[entry.group].append(entry)
    for group, entries in file_groups.items():
        if group in stored_groups:
            assign(entries, stored_groups[group], result)
    if cross_groups:
        left_file = [e for e in left_file if e.key not in result.pairs]
        matched = set(result.pairs.values())
        left_stored = [s for s in left_stored if s.key not in matched]
        if left_file and left_stored:
            pair_equal_texts(left_file, left_stored, result)
            left_file = [e for e in left_file if e.key not in result.pairs]
            matched = set(result.pairs.values())
            left_stored = [s for s in left_stored if s.key not in matched]
            if left_file and left_stored and len(left_file) * len(left_stored) <= CROSS_LIMIT:
                assign(left_file, left_stored, result)
    return result


def pair_equal_texts(file_entries, stored_entries, result):
    """Entries whose (non-blank) text occurs once on each side are the same entry."""
    file_texts, stored_texts = defaultdict(list), defaultdict(list)
    for entry in file_entries:
        if entry.text:
            file_texts[normalise(entry.text)].append(entry)
    for entry in stored_entries:
        if entry.text:
            stored_texts[normalise(entry.text)].append(entry)
    for text, entries in file_texts.items():
        candidates = stored_texts.get(text, ())
        if len(entries) == 1 and len(candidates) == 1:
            result.pairs[entries[0].key] = candidates[0].key


def scores(file_entries, stored_entries):
    """The matrix of pair scores: similarity plus what else they share; 0 under ``THRESHOLD``."""
    import numpy
    from rapidfuzz import fuzz, process

    file_texts, stored_texts = [normalise(e.text) for e in file_entries], [normalise(s.text) for s in stored_entries]
    similarity = process.cdist(file_texts, stored_texts, scorer=fuzz.ratio, dtype=numpy.float64)
    blank_file = numpy.array([not text for text in file_texts])
    blank_stored = numpy.array([not text for text in stored_texts])
    both_blank = blank_file[:, None] & blank_stored[None, :]
    same = {name: same_values(file_entries, stored_entries, name) for name in ("parent", "number", "units")}
    similarity = numpy.where(both_blank, numpy.where(same["number"], 100.0, 0.0), similarity)
    bonus = SAME_PARENT * same["parent"] + SAME_NUMBER * same["number"] + SAME_UNITS * same["units"]
    return numpy.round(numpy.where(similarity >= THRESHOLD, similarity + bonus, 0.0), 6)


def same_values(file_entries, stored_entries, name):
    """A boolean matrix: does file entry i have the same ``name`` as stored entry j."""
    import numpy

    codes = {}
    value = (lambda entry: tuple(map(tuple, entry.units))) if name == "units" else (lambda entry: getattr(entry, name))
    left = numpy.array([codes.setdefault(value(e), len(codes)) for e in file_entries])
    right = numpy.array([codes.setdefault(value(s), len(codes)) for s in stored_entries])
    return left[:, None] == right[None, :]


def assign(file_entries, stored_entries, result):
    """One optimal assignment of the group; ties that would change the pairs are ``ambiguous``."""
    from scipy.optimize import linear_sum_assignment

    score = scores(file_entries, stored_entries)
    rows, cols = linear_sum_assignment(score, maximize=True)
    chosen = {i: j for i, j in zip(rows, cols) if score[i, j] > 0}
    owner = {j: i for i, j in chosen.items()}
    for i, j in chosen.items():
        best = score[i, j]
        rivals = [
            k
            for k in range(len(stored_entries))
            if k != j and score[i, k] == best and (k not in owner or score[owner[k], j] == score[owner[k], k])
        ]
        rivals_in_file = [k for k in range(len(file_entries)) if k != i and k not in chosen and score[k, j] == best]
        if rivals or rivals_in_file:
            ambiguity = Ambiguity(
                tuple(sorted(file_entries[k].key for k in {i, *rivals_in_file, *(owner[k] for k in rivals if k in owner)})),
                tuple(sorted(stored_entries[k].key for k in {j, *rivals})),
            )
            if ambiguity not in result.ambiguous:
                result.ambiguous.append(ambiguity)
            continue
        result.pairs[file_entries[i].key] = stored_entries[j].key


# -- what a re-import does to each measure ------------------------------------------------

#: What an import can do to a measure: the kinds of ``MeasureLine``.
KINDS = ("new", "removed", "restored", "moved", "reworded", "updated", "unchanged")

#: The levels above a measure that a ledger may have (a flat ledger has none of them).
LEVELS = ("section", "task", "item")


class MeasureLine(NamedTuple):
    """One measure in an import's report: what the import does to it (``KINDS``).

    ``place``: (section, task, item, measure number) where the file puts it (a removed measure:
    where it was); ``old_place`` and ``old_text`` where and what it was, when that changes;
    ``levels``: the levels the ledger has (``LEVELS``), the only ones a place is shown with.
    """

    kind: str
    row: object  # the file's row; None for a removed measure
    place: tuple
    text: str
    old_place: object = None
    old_text: str = ""
    levels: tuple = LEVELS

    @property
    def reworded(self):
        return bool(self.old_text) and self.old_text != self.text

    @property
    def where(self):
        return place_label(self.place, self.levels)

    @property
    def old_where(self):
        """Where it was, when the import moves it; else empty."""
        if self.old_place is None or self.old_place == self.place:
            return ""
        return place_label(self.old_place, self.levels)

    def describe(self):
        """``moved 部分一 序号1 要求2 措施3 → 部分一 序号1 要求2 措施2「建立执法人员…」``."""
        where = f"{self.old_where} → {self.where}" if self.old_where else self.where
        text = f"「{start_of(self.old_text)}」 → 「{start_of(self.text)}」" if self.reworded else f"「{start_of(self.text)}」"
        return f"{self.kind} {where} {text}"


def place_label(place, levels=LEVELS):
    """``部分一 序号1 要求2 措施3``, with only the ``levels`` the ledger has (a flat list: ``措施3``)."""
    section, task, item, number = place
    parts = [
        f"部分{section}" if "section" in levels and section else "",
        f"序号{task}" if "task" in levels else "",
        f"要求{item}" if "item" in levels else "",
        f"措施{number}",
    ]
    return " ".join(part for part in parts if part)


def ledger_levels(rows):
    """The levels (``LEVELS``) that any of the file's rows fills in: a number or a text of its own."""
    present = set()
    for row in rows:
        if row.section_number or row.section_title:
            present.add("section")
        if row.task_title or row.task_label:
            present.add("task")
        if row.item_text or row.item_label:
            present.add("item")
        if len(present) == len(LEVELS):
            break
    return tuple(level for level in LEVELS if level in present)


def start_of(text, length=30):
    text = " ".join((text or "").split())
    return text if len(text) <= length else text[:length] + "…"

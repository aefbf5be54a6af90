"""A measure's place in its plan as the ledger numbers it: the labels of its task, item and
measure as written (``1`` ``(2)`` ``④`` → ``1.(2)④``; ``1`` ``1.1`` → ``1.1``; a flat ledger's
``3`` → ``3``). A level the ledger does not have has no label and adds nothing: no number is
made up for it.
"""


def place_label(*labels: str) -> str:
    """The labels joined from the highest level down, skipping empty ones; an outline label that
    already holds the one above (``1`` then ``1.1``) replaces it, and a label ending in a digit is
    followed by a dot (``1.(2)``)."""
    parts = []
    for label in labels:
        label = label.strip()
        if not label:
            continue
        if parts and label.startswith(parts[-1] + "."):
            parts[-1] = label
        else:
            parts.append(label)
    joined = ""
    for part in parts:
        if joined and joined[-1].isdigit():
            joined += "."
        joined += part
    return joined


def numbered_text(label: str, text: str, length: int | None = None) -> str:
    """``label text`` (the text cut to ``length`` characters), or the text alone without a label."""
    text = text if length is None else text[:length]
    return f"{label} {text}" if label else text

"""Small-cell suppression: only a figure that describes a small group of people is hidden.

Recovery curves (a metric of the patients treated that day), adherence (how the patients of a
procedure kept to their schedule) and the overview's count of patients and their check-ins are
about groups of people. Such a group with fewer than ``MIN_GROUP`` distinct patients is
*suppressed*: its row is still returned (a table shows "fewer than 11 patients" rather than
silently missing a line), but every count and figure in it is ``None`` and ``suppressed`` is
``True``.

A count of cases, a time to review or a rule's false-alarm rate is about the clinic's work, not
a group of people: those are shown however small the clinic, so a small clinic sees its own
figures.
"""

from __future__ import annotations

MIN_GROUP = 11
"""Groups with fewer distinct patients than this are suppressed."""


def could_identify(patients: int) -> bool:
    """True when a figure about this many distinct patients must be suppressed."""
    return patients < MIN_GROUP

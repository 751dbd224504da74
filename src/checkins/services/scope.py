"""Every query in the actor's clinic: the one place services scope rows by clinic.

A row of another clinic is answered exactly as a missing one (the same ``NotFound`` sentence),
so a forged case, photo, patient or treatment id learns nothing. The clinic condition is in
the query itself, never a check after the row was read.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Protocol, TypeVar

from sqlalchemy import ColumnElement, select
from sqlalchemy.orm import InstrumentedAttribute, Session
from sqlalchemy.orm.interfaces import ORMOption

from checkins import access
from checkins.domain import NotFound
from checkins.services.views import Actor


class Owned(Protocol):
    id: Any
    clinic_id: Any


RowT = TypeVar("RowT", bound=Owned)


def mine(
    column: InstrumentedAttribute[int] | InstrumentedAttribute[int | None], actor: Actor
) -> ColumnElement[bool]:
    """``column`` is the actor's own clinic."""
    return column == access.clinic_of(actor)


def get(
    session: Session,
    model: type[RowT],
    row_id: int,
    actor: Actor,
    *,
    missing: str,
    options: Sequence[ORMOption] = (),
    fresh: bool = False,
) -> RowT:
    """The row ``row_id`` of ``model`` in the actor's clinic, or ``NotFound(missing)``
    (``fresh``: re-read even if the session holds it, after a bulk UPDATE of it)."""
    stmt = select(model).where(model.id == row_id, model.clinic_id == access.clinic_of(actor))
    if options:
        stmt = stmt.options(*options)
    if fresh:
        stmt = stmt.execution_options(populate_existing=True)
    row = session.scalars(stmt).first()
    if row is None:
        raise NotFound(missing)
    return row

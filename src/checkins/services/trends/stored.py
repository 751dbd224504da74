"""The trend tables: kept in the transaction of every change that affects them, read at rank.

What is kept (storage/models.py, migration 0008):

- ``trend_points``: one row per non-baseline check-in (procedure, series, treatment date, send
  date, day since treatment, patient, the three metrics), with an index per metric on
  (procedure, day, value). The values of a recovery-curve group are thus stored sorted: an
  exact percentile is read at its rank (``ORDER BY value LIMIT 2 OFFSET rank``), so the curves
  cost a few index steps per group instead of sorting the whole history.
- ``trend_groups`` and ``trend_members``: per group (a metric at a procedure and day, or every
  check-in of a procedure for the overview) its number of check-ins and of distinct patients,
  kept exact by counting each patient's check-ins in the group.
- ``trend_slots``: one row per due check-in of a treatment's schedule, when its window closes
  and whether a check-in arrived in it (adherence).
- ``trend_state``: what the tables cover (the highest check-in and treatment ids). ``is_current``
  compares it with the rows' highest ids (two index look-ups, whatever the size); the report
  reads the tables only while it matches, and the rows themselves otherwise.

Who keeps them: intake calls ``checkin_added`` for each stored check-in, the enrolment services
call ``schedule_written`` when a treatment's schedule is written, and ``rebuild`` lays them out
again from the rows (migration 0008's backfill, bulk loads such as the benchmark seed). Review
cases are not copied: their figures are read from ``review_items`` in one pass (a case changes
in many places, and there are few of them next to the check-ins).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy import (
    ColumnElement,
    Select,
    case,
    delete,
    func,
    insert,
    literal,
    select,
    update,
)
from sqlalchemy.orm import Session

from checkins import access
from checkins.domain import NotFound
from checkins.services import scope
from checkins.services.trends import dialect
from checkins.services.trends.rows import METRICS, interpolate, rank_of
from checkins.storage.models import (
    CheckIn,
    Treatment,
    TrendGroup,
    TrendMember,
    TrendPoint,
    TrendSlot,
    TrendState,
)

if TYPE_CHECKING:
    from checkins.services.views import Actor

ADHERENCE_GRACE_DAYS = 1
"""A check-in due on day d counts as received if sent on day d up to d + this many days."""
CHECKINS = "checkins"
"""The group kind of the overview's check-ins (day ``NO_DAY``; procedure ``EVERY`` for all)."""
EVERY = "*"
NO_DAY = -1
STATE_ID = 1

_POINT_COLUMNS = (
    "checkin_id",
    "clinic_id",
    "treatment_id",
    "patient_id",
    "procedure",
    "series_number",
    "treated_at",
    "submitted_at",
    "day",
    *METRICS,
)


def _points_select() -> Select[Any]:
    """The trend point of every non-baseline check-in, from the rows (the same columns)."""
    return (
        select(
            CheckIn.id,
            Treatment.clinic_id,
            CheckIn.treatment_id,
            Treatment.patient_id,
            Treatment.procedure,
            Treatment.series_number,
            Treatment.treated_at,
            CheckIn.submitted_at,
            CheckIn.day_since_treatment,
            *(getattr(CheckIn, m) for m in METRICS),
        )
        .join(Treatment, Treatment.id == CheckIn.treatment_id)
        .where(CheckIn.is_baseline.is_(False))
    )


# --------------------------------------------------------------------------------------------
# Keeping the tables


def checkin_added(*, session: Session, actor: Actor, checkin_id: int) -> None:
    """Count a newly stored check-in into the trend tables (call it in the same transaction),
    as the actor who stored it: whoever may send that treatment's check-ins, in its clinic."""
    found = session.execute(
        select(
            CheckIn.is_baseline,
            CheckIn.treatment_id,
            CheckIn.day_since_treatment,
            Treatment.procedure,
            Treatment.patient_id,
            Treatment.clinic_id,
            *(getattr(CheckIn, m) for m in METRICS),
        )
        .join(Treatment, Treatment.id == CheckIn.treatment_id)
        .where(CheckIn.id == checkin_id, scope.mine(Treatment.clinic_id, actor))
    ).first()
    if found is None:
        raise NotFound(f"There is no check-in {checkin_id}.")
    is_baseline, treatment_id, day, procedure, patient_id, clinic_id, *values = found
    access.require_baseline_access(actor, treatment_id)
    _covered(session, TrendState.last_checkin_id, CheckIn.id, checkin_id)
    if is_baseline:
        return
    session.execute(
        insert(TrendPoint).from_select(
            _POINT_COLUMNS, _points_select().where(CheckIn.id == checkin_id)
        )
    )
    d = dialect.of(session)
    groups = [(m, procedure, day) for m, v in zip(METRICS, values, strict=True) if v is not None]
    groups += [(CHECKINS, procedure, NO_DAY), (CHECKINS, EVERY, NO_DAY)]
    for kind, proc, group_day in groups:
        key = {"clinic_id": clinic_id, "kind": kind, "procedure": proc, "day": group_day}
        member = d.insert(TrendMember).values(**key, patient_id=patient_id, checkins=1)
        seen = session.execute(
            member.on_conflict_do_update(
                index_elements=["clinic_id", "kind", "procedure", "day", "patient_id"],
                set_={"checkins": TrendMember.checkins + 1},
            ).returning(TrendMember.checkins)
        ).scalar_one()
        group = d.insert(TrendGroup).values(**key, checkins=1, patients=int(seen == 1))
        session.execute(
            group.on_conflict_do_update(
                index_elements=["clinic_id", "kind", "procedure", "day"],
                set_={
                    "checkins": TrendGroup.checkins + 1,
                    "patients": TrendGroup.patients + group.excluded.patients,
                },
            )
        )
    session.execute(
        update(TrendSlot)
        .where(
            TrendSlot.treatment_id == treatment_id,
            TrendSlot.due_day <= day,
            TrendSlot.due_day >= day - ADHERENCE_GRACE_DAYS,
        )
        .values(received=True)
    )


def schedule_written(*, session: Session, actor: Actor, treatment_id: int, new: bool) -> None:
    """Lay out a treatment's due check-ins (``new``: a treatment just created; else its
    schedule was edited). Call it in the transaction that wrote the schedule, as its writer
    (whoever enrols, in the treatment's clinic)."""
    access.require_enrolment_access(actor)
    session.flush()
    scope.get(session, Treatment, treatment_id, actor, missing=f"No treatment {treatment_id}.")
    session.execute(delete(TrendSlot).where(TrendSlot.treatment_id == treatment_id))
    slots = _slots(session, Treatment.id == treatment_id, CheckIn.treatment_id == treatment_id)
    if slots:
        session.execute(insert(TrendSlot), slots)
    if new:
        _covered(session, TrendState.last_treatment_id, Treatment.id, treatment_id)


def _slots(
    session: Session, treatments: ColumnElement[bool], checkins: ColumnElement[bool]
) -> list[dict[str, Any]]:
    """The due check-ins of the chosen treatments, each with whether one arrived in time."""
    days: dict[int, set[int]] = defaultdict(set)
    sent = select(CheckIn.treatment_id, CheckIn.day_since_treatment).where(
        CheckIn.is_baseline.is_(False), checkins
    )
    for tid, day in session.execute(sent):
        days[int(tid)].add(int(day))
    out: list[dict[str, Any]] = []
    laid = select(
        Treatment.id,
        Treatment.clinic_id,
        Treatment.patient_id,
        Treatment.procedure,
        Treatment.series_number,
        Treatment.treated_at,
        Treatment.schedule_days,
    ).where(treatments)
    for tid, clinic_id, pid, proc, series, treated_at, schedule in session.execute(laid):
        got = days.get(int(tid), set())
        for position, raw in enumerate(schedule or ()):
            due = int(raw)
            out.append(
                {
                    "treatment_id": tid,
                    "position": position,
                    "clinic_id": clinic_id,
                    "patient_id": pid,
                    "procedure": proc,
                    "series_number": series,
                    "treated_at": treated_at,
                    "due_day": due,
                    "closes_at": treated_at + timedelta(days=due + ADHERENCE_GRACE_DAYS + 1),
                    "received": any(due <= x <= due + ADHERENCE_GRACE_DAYS for x in got),
                }
            )
    return out


def rebuild(*, session: Session, actor: Actor) -> None:
    """Lay every trend table out again from the rows, for every clinic (a backfill after a bulk
    load; idempotent): an admin's repair (`checkins reconcile --repair`). The tables hold
    de-identified figures only, but their layout is the deployment's."""
    access.require_admin(actor)
    _lay_out(session)


def _lay_out(session: Session) -> None:
    """``rebuild`` without its check: for migration 0009's backfill alone, which runs as the
    schema's owner before any actor exists (no front door reaches it)."""
    for model in (TrendPoint, TrendMember, TrendGroup, TrendSlot, TrendState):
        session.execute(delete(model))
    session.execute(insert(TrendPoint).from_select(_POINT_COLUMNS, _points_select()))
    tp = TrendPoint
    member_cols = ("clinic_id", "kind", "procedure", "day", "patient_id", "checkins")
    for m in METRICS:
        value = getattr(tp, m)
        per_patient = (
            select(tp.clinic_id, literal(m), tp.procedure, tp.day, tp.patient_id, func.count(value))
            .where(value.is_not(None))
            .group_by(tp.clinic_id, tp.procedure, tp.day, tp.patient_id)
        )
        session.execute(insert(TrendMember).from_select(member_cols, per_patient))
    for proc in (tp.procedure, literal(EVERY)):
        per_patient = select(
            tp.clinic_id, literal(CHECKINS), proc, literal(NO_DAY), tp.patient_id, func.count()
        ).group_by(tp.clinic_id, proc, tp.patient_id)
        session.execute(insert(TrendMember).from_select(member_cols, per_patient))
    tm = TrendMember
    sizes = select(
        tm.clinic_id, tm.kind, tm.procedure, tm.day, func.sum(tm.checkins), func.count()
    ).group_by(tm.clinic_id, tm.kind, tm.procedure, tm.day)
    session.execute(
        insert(TrendGroup).from_select(
            ("clinic_id", "kind", "procedure", "day", "checkins", "patients"), sizes
        )
    )
    slots = _slots(session, Treatment.id.is_not(None), CheckIn.id.is_not(None))
    for i in range(0, len(slots), 5000):
        session.execute(insert(TrendSlot), slots[i : i + 5000])
    checkins, treatments = _highest_ids(session)
    session.execute(
        insert(TrendState).values(
            id=STATE_ID, last_checkin_id=checkins, last_treatment_id=treatments
        )
    )


def _covered(session: Session, state: Any, rows: Any, new_id: int) -> None:
    """Move the state's ``state`` column to ``new_id`` if it covered every row before it.

    A row below ``new_id`` that the tables never counted (a bulk load) keeps the state where it
    was, so the tables stay "not current" until ``rebuild``. Two intakes at once on PostgreSQL
    can leave it behind too: the report then reads the rows, the safe way to be wrong."""
    before = select(func.coalesce(func.max(rows), 0)).where(rows < new_id).scalar_subquery()
    session.execute(
        update(TrendState).values({state: case((state == before, new_id), else_=state)})
    )


def _highest_ids(session: Session) -> tuple[int, int]:
    """(highest check-in id, highest treatment id) in the rows, 0 for none."""
    checkins = session.scalar(select(func.max(CheckIn.id))) or 0
    treatments = session.scalar(select(func.max(Treatment.id))) or 0
    return int(checkins), int(treatments)


def is_current(*, session: Session, actor: Actor) -> bool:
    """True when the trend tables cover every check-in and treatment in the rows (for whoever
    may read trends, or repair them).

    Rows written past the services (a bulk load) carry ids the state has not reached until
    ``rebuild``; the report then reads the rows.
    """
    access.require_trends_access(actor)
    state = session.execute(
        select(TrendState.last_checkin_id, TrendState.last_treatment_id)
    ).first()
    if state is None:
        return False
    return (int(state[0]), int(state[1])) == _highest_ids(session)


# --------------------------------------------------------------------------------------------
# Reading them


def group_sizes(
    session: Session, kinds: Sequence[str], procedure: str | None, clinic_id: int
) -> list[tuple[str, str, int, int, int]]:
    """(kind, procedure, day, check-ins, patients) of one clinic's all-time groups of these
    kinds."""
    stmt = select(
        TrendGroup.kind,
        TrendGroup.procedure,
        TrendGroup.day,
        TrendGroup.checkins,
        TrendGroup.patients,
    ).where(TrendGroup.clinic_id == clinic_id, TrendGroup.kind.in_(list(kinds)))
    if procedure is not None:
        stmt = stmt.where(TrendGroup.procedure == procedure)
    return [(str(k), str(p), int(d), int(n), int(c)) for k, p, d, n, c in session.execute(stmt)]


def overview_size(session: Session, procedure: str | None, clinic_id: int) -> tuple[int, int]:
    """(distinct patients, check-ins) of every non-baseline check-in of one clinic, for one
    procedure or all."""
    found = session.execute(
        select(TrendGroup.patients, TrendGroup.checkins).where(
            TrendGroup.clinic_id == clinic_id,
            TrendGroup.kind == CHECKINS,
            TrendGroup.procedure == (procedure or EVERY),
            TrendGroup.day == NO_DAY,
        )
    ).first()
    return (0, 0) if found is None else (int(found[0]), int(found[1]))


def values_at_ranks(
    session: Session, wanted: Sequence[tuple[str, str, int, int, int]], clinic_id: int
) -> dict[tuple[str, str, int, int], list[float]]:
    """The values at ranks ``lower`` and ``lower + 1`` (fewer at the end) of each group.

    ``wanted`` holds (metric, procedure, day, lower rank, how many); returned sorted, keyed on
    (metric, procedure, day, lower rank). Each look-up is an index range read of
    ``lower + count`` entries of that metric's (procedure, day, value) index.
    """
    d = dialect.of(session)
    out: dict[tuple[str, str, int, int], list[float]] = defaultdict(list)
    conn = session.connection()
    for metric in METRICS:
        mine = [w for w in wanted if w[0] == metric]
        reads = d.at_ranks(TrendPoint.__tablename__, metric, [w[1:] for w in mine], clinic_id)
        for sql, params in reads:
            for i, v in conn.exec_driver_sql(sql, params):
                _, proc, day, lower, _ = mine[int(i)]
                out[(metric, proc, day, lower)].append(float(v))
    for found in out.values():
        found.sort()
    return out


def curve_quartiles(
    session: Session,
    groups: Sequence[tuple[str, str, int, int]],
    qs: Sequence[float],
    clinic_id: int,
) -> dict[tuple[str, str, int], tuple[float, ...]]:
    """Exact percentiles ``qs`` of each (metric, procedure, day, check-ins) group, read at rank."""
    wanted: dict[tuple[str, str, int, int], int] = {}
    for metric, proc, day, n in groups:
        for q in qs:
            lower, frac = rank_of(q, n)
            count = 2 if frac and lower + 1 < n else 1
            key = (metric, proc, day, lower)
            wanted[key] = max(wanted.get(key, 0), count)
    found = values_at_ranks(session, [(*k, c) for k, c in wanted.items()], clinic_id)
    out: dict[tuple[str, str, int], tuple[float, ...]] = {}
    for metric, proc, day, n in groups:
        vals = []
        for q in qs:
            lower, frac = rank_of(q, n)
            at = found[(metric, proc, day, lower)]
            vals.append(interpolate(at[0], at[1] if len(at) > 1 else None, frac))
        out[(metric, proc, day)] = tuple(vals)
    return out


def adherence_rows(
    session: Session, *, now: datetime, where: Sequence[ColumnElement[bool]]
) -> list[tuple[str, int, int, int]]:
    """(procedure, patients, due, received) over the slots whose window closed by ``now``."""
    per_patient = (
        select(
            TrendSlot.procedure.label("procedure"),
            func.count().label("due"),
            func.sum(case((TrendSlot.received.is_(True), 1), else_=0)).label("got"),
        )
        .where(TrendSlot.closes_at <= now, *where)
        .group_by(TrendSlot.procedure, TrendSlot.patient_id)
        .subquery("per_patient")
    )
    stmt = (
        select(
            per_patient.c.procedure,
            func.count(),
            func.sum(per_patient.c.due),
            func.sum(per_patient.c.got),
        )
        .group_by(per_patient.c.procedure)
        .order_by(per_patient.c.procedure)
    )
    return [(str(p), int(n), int(e), int(g)) for p, n, e, g in session.execute(stmt)]

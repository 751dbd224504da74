"""The review queue: order, filters, exactly-once claims, release, resolve, reply, audit."""

from __future__ import annotations

import threading
from collections.abc import Callable

import pytest
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from checkins.domain import (
    AccessDenied,
    Conflict,
    Disposition,
    InvalidInput,
    MessageDirection,
    ReviewStatus,
    Role,
    Severity,
)
from checkins.services import intake, queue
from checkins.services.views import Actor
from checkins.storage.db import Database
from checkins.storage.models import AuditEvent, Message, ReviewItem, User
from checkins.storage.photos import PhotoStore
from tests.services.helpers import RULES

from .helpers import ADMIN, LINK_KEY, at, calm_answers, make_provider, make_treatment

MANAGER = Actor(role=Role.MANAGER, name="Manager", clinic_id=1)


def submit(
    db: Database, store: PhotoStore, tid: int, csid: str, hours: float, **answers: object
) -> int:
    with db.session() as s:
        res = intake.submit_checkin(
            ruleset=RULES,
            session=s,
            store=store,
            actor=ADMIN,
            treatment_id=tid,
            answers=calm_answers(**answers),
            photos=[],
            client_submission_id=csid,
            submitted_at=at(hours),
        )
    assert res.review_item_id is not None
    return res.review_item_id


@pytest.fixture
def items(db: Database, store: PhotoStore) -> dict[str, int]:
    a = make_treatment(db, name="Ann Review", procedure="microneedling")
    b = make_treatment(db, name="Ben Urgent")
    c = make_treatment(db, name="Cat Urgent")
    out = {
        "review": submit(db, store, a, "q-review-1", 30, oozing=True),
        "urgent_old": submit(db, store, b, "q-urgent-1", 30, drainage_like_pus=True),
        "urgent_new": submit(db, store, c, "q-urgent-2", 40, swelling="excessive"),
    }
    # Make the waiting order explicit: the review item waited longest of all.
    with db.session() as s:
        for key, minute in (("review", 1), ("urgent_old", 2), ("urgent_new", 3)):
            s.execute(
                update(ReviewItem)
                .where(ReviewItem.id == out[key])
                .values(created_at=at(50 + minute / 60))
            )
    return out


def test_urgent_first_then_longest_waiting(db: Database, items: dict[str, int]) -> None:
    prov = make_provider(db, "dr.a", "Dr A")
    with db.read() as s:
        page = queue.list_queue(session=s, actor=prov)
    assert [r.item_id for r in page.rows] == [
        items["urgent_old"],
        items["urgent_new"],
        items["review"],
    ]
    assert page.total == 3
    assert page.rows[0].severity is Severity.URGENT and page.rows[0].summary != "—"
    with db.read() as s:
        only_review = queue.list_queue(session=s, actor=prov, severity="review")
        by_proc = queue.list_queue(session=s, actor=prov, procedure="microneedling")
        paged = queue.list_queue(session=s, actor=prov, page=2, page_size=2)
        assert queue.count_open(session=s, actor=prov, severity="urgent") == 2
    assert [r.item_id for r in only_review.rows] == [items["review"]]
    assert [r.patient_name for r in by_proc.rows] == ["Ann Review"]
    assert [r.item_id for r in paged.rows] == [items["review"]] and paged.total == 3


def test_manager_and_patient_cannot_open_the_queue(db: Database, items: dict[str, int]) -> None:
    patient = Actor(role=Role.PATIENT, name="p", patient_id=1, treatment_id=1, clinic_id=1)
    for who in (MANAGER, patient):
        with db.read() as s, pytest.raises(AccessDenied):
            queue.list_queue(session=s, actor=who)
        with db.session() as s, pytest.raises(AccessDenied):
            queue.open_case(session=s, actor=who, item_id=items["urgent_old"])


def test_two_providers_claim_at_once_exactly_one_wins_200_times(
    db: Database, items: dict[str, int]
) -> None:
    lee = make_provider(db, "dr.lee", "Dr Lee")
    kim = make_provider(db, "np.kim", "NP Kim")
    item = items["urgent_old"]
    for _round in range(200):
        with db.session() as s:
            s.execute(
                update(ReviewItem)
                .where(ReviewItem.id == item)
                .values(status="new", claimed_by=None, claimed_at=None)
            )
        won, lost = race_to_claim(db, item, (lee, kim))
        assert len(won) == 1 and len(lost) == 1
        with db.read() as s:
            owner = s.scalar(select(ReviewItem.claimed_by).where(ReviewItem.id == item))
        assert owner == won[0]
        winner = "Dr Lee" if won[0] == lee.user_id else "NP Kim"
        assert lost[0].startswith(f"{winner} claimed this case")


def race_to_claim(
    db: Database, item: int, actors: tuple[Actor, ...]
) -> tuple[list[int], list[str]]:
    """All actors claim at the same instant; returns the winners' ids and the losers' messages."""
    barrier = threading.Barrier(len(actors))
    won: list[int] = []
    lost: list[str] = []
    errors: list[BaseException] = []

    def go(actor: Actor) -> None:
        try:
            barrier.wait()
            with db.session() as s:
                queue.claim(session=s, actor=actor, item_id=item)
            assert actor.user_id is not None
            won.append(actor.user_id)
        except Conflict as e:
            lost.append(e.message)
        except BaseException as e:
            errors.append(e)

    threads = [threading.Thread(target=go, args=(a,)) for a in actors]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    return won, lost


def test_claim_release_reply_resolve_are_audited(db: Database, items: dict[str, int]) -> None:
    lee = make_provider(db, "dr.lee", "Dr Lee")
    kim = make_provider(db, "np.kim", "NP Kim")
    item = items["urgent_new"]
    with db.session() as s:
        case = queue.open_case(session=s, actor=lee, item_id=item)
    assert case.checkin.severity is Severity.URGENT and case.checkin.reasons
    assert case.treatment.patient_name == "Cat Urgent"
    with db.session() as s:
        assert queue.claim(session=s, actor=lee, item_id=item).claimed_by_name == "Dr Lee"
        assert queue.claim(session=s, actor=lee, item_id=item).status == "claimed"  # idempotent
    with db.session() as s, pytest.raises(Conflict, match="Dr Lee claimed this case"):
        queue.claim(session=s, actor=kim, item_id=item)
    with db.session() as s, pytest.raises(Conflict):
        queue.release(session=s, actor=kim, item_id=item)
    with db.session() as s, pytest.raises(Conflict, match="Dr Lee has claimed"):
        queue.resolve(session=s, actor=kim, item_id=item, disposition=Disposition.ESCALATED)
    with db.session() as s:
        assert queue.release(session=s, actor=lee, item_id=item).status == "new"
        queue.claim(session=s, actor=lee, item_id=item)
        msg = queue.reply(
            session=s, signing_key=LINK_KEY, actor=lee, item_id=item, body="Please call us now."
        )
        assert msg.direction is MessageDirection.TO_PATIENT and msg.author_name == "Dr Lee"
    with db.session() as s, pytest.raises(InvalidInput):
        queue.reply(session=s, signing_key=LINK_KEY, actor=lee, item_id=item, body="   ")
    with db.session() as s:
        done = queue.resolve(
            session=s,
            actor=lee,
            item_id=item,
            disposition=Disposition.CONTACTED_PATIENT,
            note="Called, seen today",
        )
    assert done.status == "resolved"
    with db.session() as s, pytest.raises(Conflict, match="already resolved"):
        queue.resolve(session=s, actor=lee, item_id=item, disposition="escalated")
    with db.read() as s:
        row = s.get(ReviewItem, item)
        assert row is not None and row.disposition == "contacted_patient"
        assert row.first_reviewed_at is not None and row.resolved_at is not None
        actions = s.scalars(
            select(AuditEvent.action)
            .where(AuditEvent.object_id == item, AuditEvent.object_type == "review_item")
            .order_by(AuditEvent.id)
        ).all()
    assert actions[0] == "view_case"
    for expected in ("claim", "release", "reply", "resolve"):
        assert expected in actions
    assert "refused" in [e.outcome for e in _events(db, item)]
    with db.session() as s:
        case = queue.open_case(session=s, actor=lee, item_id=item)
    assert [m.body for m in case.messages] == ["Please call us now."]
    assert any(a.action == "resolve" for a in case.audit)


def _events(db: Database, item: int) -> list[AuditEvent]:
    with db.read() as s:
        return list(s.scalars(select(AuditEvent).where(AuditEvent.object_id == item)))


def test_resolved_items_leave_the_open_queue(db: Database, items: dict[str, int]) -> None:
    lee = make_provider(db, "dr.lee", "Dr Lee")
    with db.session() as s:
        queue.resolve(session=s, actor=lee, item_id=items["review"], disposition="no_action_needed")
    with db.read() as s:
        open_ids = [r.item_id for r in queue.list_queue(session=s, actor=lee).rows]
        done = queue.list_queue(session=s, actor=lee, statuses=("resolved",))
    assert items["review"] not in open_ids and [r.item_id for r in done.rows] == [items["review"]]


def test_a_reply_bumps_the_version_so_the_trends_stamp_changes(
    db: Database, items: dict[str, int]
) -> None:
    from checkins.services import trends

    lee = make_provider(db, "dr.reply", "Dr Reply")
    item = items["urgent_new"]
    with db.session() as s:
        before = trends.data_stamp(session=s, actor=ADMIN)
        version = s.get(ReviewItem, item).version  # type: ignore[union-attr]
    with db.session() as s:
        queue.reply(
            session=s,
            signing_key=LINK_KEY,
            actor=lee,
            item_id=item,
            body="How is the redness today?",
        )
    with db.session() as s:
        row = s.get(ReviewItem, item)
        assert row is not None and row.first_reviewed_at is not None
        assert row.version == version + 1
        assert trends.data_stamp(session=s, actor=ADMIN) != before


def test_only_the_owner_replies_and_a_refused_reply_is_audited(
    db: Database, items: dict[str, int]
) -> None:
    lee = make_provider(db, "dr.own", "Dr Own")
    kim = make_provider(db, "np.other", "NP Other")
    item = items["urgent_old"]
    with db.session() as s:
        queue.claim(session=s, actor=lee, item_id=item)
    with db.session() as s, pytest.raises(Conflict, match="Dr Own has claimed this case"):
        queue.reply(
            session=s, signing_key=LINK_KEY, actor=kim, item_id=item, body="I am not the owner."
        )
    with db.read() as s:
        bodies = s.scalars(select(Message.body).where(Message.review_item_id == item)).all()
    assert bodies == []  # nothing reached the patient
    refused = [e for e in _events(db, item) if e.action == "reply" and e.outcome == "refused"]
    assert [e.actor for e in refused] == ["NP Other"]
    with db.session() as s:  # the owner still can
        queue.reply(
            session=s, signing_key=LINK_KEY, actor=lee, item_id=item, body="Please call us."
        )


def test_a_reply_on_a_new_case_claims_it(db: Database, items: dict[str, int]) -> None:
    lee = make_provider(db, "dr.first", "Dr First")
    kim = make_provider(db, "np.second", "NP Second")
    item = items["review"]
    with db.session() as s:
        queue.reply(
            session=s, signing_key=LINK_KEY, actor=lee, item_id=item, body="How is it today?"
        )
    with db.read() as s:
        row = s.get(ReviewItem, item)
        assert row is not None and row.status == "claimed" and row.claimed_by == lee.user_id
    with db.session() as s, pytest.raises(Conflict, match="Dr First"):
        queue.resolve(session=s, actor=kim, item_id=item, disposition="no_action_needed")


def test_take_over_needs_a_reason_is_audited_and_moves_the_case(
    db: Database, items: dict[str, int]
) -> None:
    lee = make_provider(db, "dr.gone", "Dr Gone")
    kim = make_provider(db, "np.here", "NP Here")
    item = items["urgent_new"]
    with db.session() as s, pytest.raises(Conflict, match="Nobody has claimed"):
        queue.take_over(session=s, actor=kim, item_id=item, reason="x")
    with db.session() as s:
        queue.claim(session=s, actor=lee, item_id=item)
    with db.session() as s, pytest.raises(InvalidInput, match="Say why"):
        queue.take_over(session=s, actor=kim, item_id=item, reason="   ")
    with db.session() as s, pytest.raises(Conflict, match="already have"):
        queue.take_over(session=s, actor=lee, item_id=item, reason="mine")
    with db.session() as s, pytest.raises(AccessDenied):
        queue.take_over(session=s, actor=MANAGER, item_id=item, reason="curious")
    with db.session() as s:
        row = queue.take_over(session=s, actor=kim, item_id=item, reason="Dr Gone left at 5")
    assert row.claimed_by_name == "NP Here" and row.status == "claimed"
    taken = [e for e in _events(db, item) if e.action == "take_over"]
    assert [(e.actor, e.outcome, e.detail) for e in taken] == [
        ("NP Here", "ok", "from Dr Gone: Dr Gone left at 5")
    ]
    # Now the previous owner is the one refused, and the new owner replies and resolves.
    with db.session() as s, pytest.raises(Conflict, match="NP Here has claimed"):
        queue.reply(session=s, signing_key=LINK_KEY, actor=lee, item_id=item, body="Still mine?")
    with db.session() as s:
        queue.reply(
            session=s, signing_key=LINK_KEY, actor=kim, item_id=item, body="I have your case now."
        )
        queue.resolve(session=s, actor=kim, item_id=item, disposition="contacted_patient")


def test_an_admin_can_take_over(db: Database, items: dict[str, int]) -> None:
    lee = make_provider(db, "dr.away", "Dr Away")
    with db.session() as s:
        u = User(clinic_id=1, username="boss", display_name="Admin Boss", role=Role.ADMIN.value)
        s.add(u)
        s.flush()
        boss = Actor(role=Role.ADMIN, name="Admin Boss", user_id=u.id, clinic_id=1)
        queue.claim(session=s, actor=lee, item_id=items["review"])
    with db.session() as s:
        row = queue.take_over(session=s, actor=boss, item_id=items["review"], reason="on leave")
    assert row.claimed_by_id == boss.user_id


def test_one_patients_several_open_cases_are_counted_and_linked(
    db: Database, store: PhotoStore, items: dict[str, int]
) -> None:
    lee = make_provider(db, "dr.many", "Dr Many")
    with db.read() as s:
        tid = s.get(ReviewItem, items["review"]).treatment_id  # type: ignore[union-attr]
    second = submit(db, store, tid, "q-review-2", 60, oozing=True)
    with db.read() as s:
        rows = {r.item_id: r for r in queue.list_queue(session=s, actor=lee).rows}
    assert rows[items["review"]].patient_open_cases == 2
    assert rows[second].patient_open_cases == 2
    assert rows[items["urgent_old"]].patient_open_cases == 1
    with db.session() as s:
        case = queue.open_case(session=s, actor=lee, item_id=items["review"])
    assert [r.item_id for r in case.other_open] == [second]
    with db.session() as s:
        queue.resolve(session=s, actor=lee, item_id=second, disposition="no_action_needed")
    with db.read() as s:
        rows = {r.item_id: r for r in queue.list_queue(session=s, actor=lee).rows}
    assert rows[items["review"]].patient_open_cases == 1


def test_every_change_to_a_case_is_one_update_that_bumps_the_version(
    db: Database, items: dict[str, int]
) -> None:
    """Each action changes the case in one UPDATE (version + 1, so the trends stamp moves), and
    an action that changes nothing leaves the version and the stamp alone."""
    from sqlalchemy import event

    from checkins.services import clinic, trends

    lee = make_provider(db, "dr.one", "Dr One")
    kim = make_provider(db, "np.two", "NP Two")
    item = items["urgent_new"]
    with db.read() as s:
        row = s.get(ReviewItem, item)
        assert row is not None
        patient = Actor(role=Role.PATIENT, name="Cat", treatment_id=row.treatment_id, clinic_id=1)
    changed: list[int] = []

    def count(conn, cursor, statement, parameters, context, executemany) -> None:  # type: ignore[no-untyped-def]
        if statement.lstrip().upper().startswith("UPDATE REVIEW_ITEMS") and cursor.rowcount:
            changed.append(cursor.rowcount)

    def forget_first_review() -> None:  # a case taken over before first_reviewed_at existed
        with db.session() as s:
            s.execute(
                update(ReviewItem).where(ReviewItem.id == item).values(first_reviewed_at=None)
            )

    def reply(by: Actor) -> Callable[[Session], object]:
        return lambda s: queue.reply(
            session=s, signing_key=LINK_KEY, actor=by, item_id=item, body="How is it today?"
        )

    no_action = Disposition.NO_ACTION_NEEDED
    steps: list[tuple[str, bool, Callable[[Session], object]]] = [
        ("claim", True, lambda s: queue.claim(session=s, actor=lee, item_id=item)),
        ("reply as owner", False, reply(lee)),
        ("release", True, lambda s: queue.release(session=s, actor=lee, item_id=item)),
        ("reply claims", True, reply(lee)),
        (
            "take over",
            True,
            lambda s: queue.take_over(session=s, actor=kim, item_id=item, reason="Away"),
        ),
        ("first reply", True, reply(kim)),
        (
            "resolve",
            True,
            lambda s: queue.resolve(session=s, actor=kim, item_id=item, disposition=no_action),
        ),
        (
            "patient answers",
            True,
            lambda s: clinic.patient_reply(session=s, actor=patient, body="Ok"),
        ),
    ]
    event.listen(db.engine, "after_cursor_execute", count)
    try:
        for name, changes, act in steps:
            if name == "first reply":
                forget_first_review()
            with db.read() as s:
                stamp, version = (
                    trends.data_stamp(session=s, actor=ADMIN),
                    s.get(ReviewItem, item).version,
                )  # type: ignore[union-attr]
            changed.clear()
            with db.session() as s:
                act(s)
            with db.read() as s:
                after = s.get(ReviewItem, item)
                assert after is not None
                assert changed == ([1] if changes else []), name
                assert after.version == version + (1 if changes else 0), name
                assert (trends.data_stamp(session=s, actor=ADMIN) != stamp) is changes, name
    finally:
        event.remove(db.engine, "after_cursor_execute", count)
    with db.read() as s:
        final = s.get(ReviewItem, item)
        assert final is not None and final.status == ReviewStatus.NEW and final.claimed_by is None

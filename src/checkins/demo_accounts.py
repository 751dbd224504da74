"""Demo staff accounts for `make run` / `checkins demo`, with documented passwords.

These passwords are public (they are in the README): never run a real clinic with them. Calling
``ensure_demo_accounts`` again resets each demo password and lifts any lock-out, so the printed
credentials always work on a demo database.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from checkins.domain import Role
from checkins.services import users
from checkins.services.views import Actor
from checkins.storage import models

DEMO_ACCOUNTS: tuple[tuple[str, str, Role, str], ...] = (
    # username, display name, role, password
    ("dr.lee", "Dr. Dana Lee", Role.PROVIDER, "demo-provider-1"),
    ("np.kim", "NP Sam Kim", Role.PROVIDER, "demo-provider-2"),
    ("manager", "Morgan Manager", Role.MANAGER, "demo-manager-1"),
    ("admin", "Alex Admin", Role.ADMIN, "demo-admin-123"),
    ("frontdesk", "Jordan Front Desk", Role.FRONT_DESK, "demo-frontdesk-1"),
)


# The second demo clinic's own staff (`checkins demo` loads two clinics of one organisation).
SECOND_CLINIC_ACCOUNTS: tuple[tuple[str, str, Role, str], ...] = (
    ("dr.ortiz", "Dr. Rosa Ortiz", Role.PROVIDER, "demo-provider-3"),
    ("admin.harbor", "Harper Admin", Role.ADMIN, "demo-admin-456"),
    ("frontdesk.harbor", "Casey Front Desk", Role.FRONT_DESK, "demo-frontdesk-2"),
)


def ensure_demo_accounts(
    *,
    session: Session,
    actor: Actor,
    accounts: tuple[tuple[str, str, Role, str], ...] = DEMO_ACCOUNTS,
) -> list[tuple[str, str, str]]:
    """Create (or reset) the demo accounts as ``actor`` (an admin of their clinic); returns
    (username, password, role) for each."""
    out: list[tuple[str, str, str]] = []
    for username, display_name, role, password in accounts:
        existing = session.scalar(select(models.User).where(models.User.username == username))
        if existing is None:
            users.add_user(
                session=session,
                actor=actor,
                username=username,
                display_name=display_name,
                role=role,
                password=password,
            )
        else:
            users.set_password(session=session, actor=actor, username=username, password=password)
            if not existing.active:
                users.set_active(session=session, actor=actor, username=username, active=True)
        out.append((username, password, role.value))
    return out

"""``ensure_platform_admin``, which the ``create-admin`` command calls."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from neutralpoint.database.engine import Database
from neutralpoint.tenants.accounts import ensure_platform_admin
from neutralpoint.tenants.auth import verify_password
from neutralpoint.tenants.models import User


async def _user(db: Database, email: str) -> User | None:
    async with db.platform_session() as session:
        return (await session.execute(select(User).where(User.email == email))).scalar_one_or_none()


async def test_creates_then_reports_an_existing_admin(db: Database, unique: str) -> None:
    email = f"Root-{unique}@Example.org"
    async with db.platform_session() as session:
        assert await ensure_platform_admin(session, email, "a long admin password") == (
            f"created platform admin {email.lower()}"
        )
    user = await _user(db, email.lower())
    assert user is not None
    assert user.is_platform_admin
    assert user.email_verified_at is not None
    assert verify_password(user.password_hash, "a long admin password")
    async with db.platform_session() as session:
        message = await ensure_platform_admin(session, email, "ignored password")
    assert message == f"{email.lower()} is already a platform admin (password unchanged)"


async def test_promotes_an_existing_user_without_touching_the_password(db: Database, unique: str) -> None:
    email = f"promote-{unique}@example.org"
    async with db.platform_session() as session:
        session.add(User(email=email, name="", password_hash="$argon2id$kept"))
    async with db.platform_session() as session:
        message = await ensure_platform_admin(session, email, "")
    assert message == f"{email} is now a platform admin (password unchanged)"
    user = await _user(db, email)
    assert user is not None
    assert (user.is_platform_admin, user.password_hash) == (True, "$argon2id$kept")


@pytest.mark.parametrize(
    ("email", "password", "text"), [("nope", "a long password", "email"), ("a@b.example", "short", "password")]
)
async def test_refuses_bad_input(db: Database, email: str, password: str, text: str) -> None:
    async with db.platform_session() as session:
        with pytest.raises(ValueError, match=text):
            await ensure_platform_admin(session, email, password)

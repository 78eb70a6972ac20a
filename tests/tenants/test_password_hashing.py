"""argon2 parameters as a setting: production strength by default, the cheapest ones in tests,
and a hash made with other parameters still verifies and is made again at the next sign-in."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from argon2 import PasswordHasher, profiles
from sqlalchemy import select

from neutralpoint.database.engine import Database
from neutralpoint.settings import (
    PRODUCTION_PASSWORD_HASHING,
    TEST_PASSWORD_HASHING,
    PasswordHashing,
    Settings,
    SettingsError,
)
from neutralpoint.tenants import authentication
from neutralpoint.tenants.auth import (
    configure_password_hashing,
    hash_password,
    password_hashing,
    password_needs_rehash,
    verify_password,
)
from neutralpoint.tenants.models import User

SECRET = {"SECRET_KEY": "x" * 40}
PASSWORD = "a long enough password"
TEST_STRENGTH = {"TIME_COST": "1", "MEMORY_KIB": "8", "PARALLELISM": "1"}


@pytest.fixture
def restore_parameters() -> Iterator[None]:
    before = password_hashing()
    yield
    configure_password_hashing(before)


def _other_parameters_hash(password: str) -> str:
    """A hash as an older release (or another setting) would have stored it."""
    return PasswordHasher(time_cost=2, memory_cost=16, parallelism=2).hash(password)


def test_production_parameters_are_argon2_defaults(tmp_path: Path) -> None:
    low_memory = profiles.RFC_9106_LOW_MEMORY
    argon2_default = PasswordHashing(
        time_cost=low_memory.time_cost, memory_kib=low_memory.memory_cost, parallelism=low_memory.parallelism
    )
    assert argon2_default == PRODUCTION_PASSWORD_HASHING
    for environment in ("production", "development"):
        settings = Settings.from_env({"NEUTRALPOINT_ENV": environment, "DATA_DIR": str(tmp_path), **SECRET})
        assert settings.password_hashing == PRODUCTION_PASSWORD_HASHING


def test_one_hash_with_production_parameters(restore_parameters: None) -> None:
    """The one production-strength hash of the suite (about half a second)."""
    configure_password_hashing(PRODUCTION_PASSWORD_HASHING)
    stored = hash_password(PASSWORD)
    assert stored.startswith("$argon2id$v=19$m=65536,t=3,p=4$")
    assert verify_password(stored, PASSWORD)
    assert not verify_password(stored, PASSWORD + "!")
    assert not password_needs_rehash(stored)


def test_the_test_environment_hashes_cheaply(tmp_path: Path) -> None:
    settings = Settings.from_env({"NEUTRALPOINT_ENV": "test", "DATA_DIR": str(tmp_path), **SECRET})
    assert settings.password_hashing == TEST_PASSWORD_HASHING
    assert password_hashing() == TEST_PASSWORD_HASHING
    assert hash_password(PASSWORD).startswith("$argon2id$v=19$m=8,t=1,p=1$")


def test_parameters_from_the_environment(tmp_path: Path) -> None:
    env = {"DATA_DIR": str(tmp_path), **SECRET}
    chosen = {"PASSWORD_HASH_TIME_COST": "4", "PASSWORD_HASH_MEMORY_KIB": "32768", "PASSWORD_HASH_PARALLELISM": "2"}
    settings = Settings.from_env({**env, "NEUTRALPOINT_ENV": "production", **chosen})
    assert settings.password_hashing == PasswordHashing(time_cost=4, memory_kib=32768, parallelism=2)
    with pytest.raises(SettingsError, match="PASSWORD_HASH_TIME_COST must be a whole number"):
        Settings.from_env({**env, "PASSWORD_HASH_TIME_COST": "three"})
    with pytest.raises(SettingsError, match="PASSWORD_HASH_MEMORY_KIB must be between 32 and"):
        Settings.from_env({**env, "PASSWORD_HASH_PARALLELISM": "4", "PASSWORD_HASH_MEMORY_KIB": "16"})


def test_production_refuses_test_strength(tmp_path: Path) -> None:
    env = {"NEUTRALPOINT_ENV": "production", "DATA_DIR": str(tmp_path), **SECRET}
    with pytest.raises(SettingsError, match="PASSWORD_HASH_MEMORY_KIB and PASSWORD_HASH_TIME_COST must be at least"):
        Settings.from_env({**env, **{f"PASSWORD_HASH_{k}": v for k, v in TEST_STRENGTH.items()}})
    with pytest.raises(SettingsError, match="got 65536 and 1"):
        Settings.from_env({**env, "PASSWORD_HASH_TIME_COST": "1"})


def test_a_hash_with_other_parameters_still_verifies() -> None:
    stored = _other_parameters_hash(PASSWORD)
    assert verify_password(stored, PASSWORD)
    assert not verify_password(stored, "another password")
    assert password_needs_rehash(stored)
    assert not password_needs_rehash(hash_password(PASSWORD))


async def test_sign_in_rehashes_with_the_current_parameters(db: Database, unique: str) -> None:
    email = f"rehash-{unique}@example.com"
    old = _other_parameters_hash(PASSWORD)
    async with db.platform_session() as session:
        session.add(User(email=email, name="", password_hash=old))

    async with db.platform_session() as session:
        assert await authentication.authenticate(session, email, "a wrong password") is None
    async with db.platform_session() as session:
        assert (await session.execute(select(User.password_hash).where(User.email == email))).scalar_one() == old

    async with db.platform_session() as session:
        assert await authentication.authenticate(session, email, PASSWORD) is not None
    async with db.platform_session() as session:
        stored = (await session.execute(select(User.password_hash).where(User.email == email))).scalar_one()
    assert stored != old
    assert stored.startswith("$argon2id$v=19$m=8,t=1,p=1$")
    assert verify_password(stored, PASSWORD)

    async with db.platform_session() as session:
        assert await authentication.authenticate(session, email, PASSWORD) is not None
    async with db.platform_session() as session:
        assert (await session.execute(select(User.password_hash).where(User.email == email))).scalar_one() == stored

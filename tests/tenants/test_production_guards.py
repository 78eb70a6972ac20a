"""What production refuses: demo data with public passwords, an http:// address, a guessable password."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from tenant_flows import PASSWORD

from neutralpoint.settings import Settings, SettingsError
from neutralpoint.tenants.password_strength import is_guessable

SECRET = {"SECRET_KEY": "k" * 40, "CERTIFICATE_SIGNING_KEY": "A" * 43}


def test_production_needs_an_https_base_url(tmp_path: Path) -> None:
    env = {"NEUTRALPOINT_ENV": "production", "DATA_DIR": str(tmp_path), **SECRET}
    with pytest.raises(SettingsError, match=r"BASE_URL must start with https:// .*'http://venues.example'"):
        Settings.from_env({**env, "BASE_URL": "http://venues.example"})
    assert Settings.from_env({**env, "BASE_URL": "https://venues.example"}).base_url == "https://venues.example"
    # A production server tried on one machine: browsers treat loopback as secure.
    assert Settings.from_env({**env, "BASE_URL": "http://127.0.0.1:8123"}).base_url == "http://127.0.0.1:8123"
    # Development keeps plain http.
    assert Settings.from_env({**env, "NEUTRALPOINT_ENV": "development", "BASE_URL": "http://venues.example"})


def test_demo_refuses_in_production(tmp_path: Path) -> None:
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("DATABASE", "REDIS"))},
        "NEUTRALPOINT_ENV": "production",
        "DATA_DIR": str(tmp_path),
        "BASE_URL": "https://venues.example",
        **SECRET,
    }
    command = [str(Path(sys.executable).parent / "neutralpoint"), "demo"]
    done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=60)
    assert done.returncode != 0
    assert "not for production" in done.stderr
    assert "create-admin" in done.stderr
    # Nothing was written: not even the database file.
    assert not (tmp_path / "neutralpoint.db").exists()


@pytest.mark.parametrize(
    "password", ["password12", "qwertyuiop1", "iloveyou123", "letmein1234", "1234567890", "hunter2hunter2"]
)
def test_common_passwords_are_guessable(password: str) -> None:
    assert is_guessable(password)


@pytest.mark.parametrize("password", [PASSWORD, "a long supermarket password", "Ju7!qz-Lowland-Teapot"])
def test_phrases_are_not(password: str) -> None:
    assert not is_guessable(password)


def test_the_accounts_own_address_counts_as_known() -> None:
    assert not is_guessable("marguerite.fontaine")
    assert is_guessable("marguerite.fontaine", ["marguerite.fontaine@cafe.example"])


def test_a_long_password_is_judged_quickly() -> None:
    # Only its beginning is judged, so any length up to the limit is refused or passed alike.
    assert is_guessable("x" * 256)
    assert not is_guessable(PASSWORD + "x" * 200)


async def test_sign_up_refuses_password12_naming_the_field(client: Any, unique: str) -> None:
    email = f"weak-{unique}@example.org"
    answer = await client.post(
        "/api/v1/signup",
        json={"name": "Weak Hall", "slug": f"weak-{unique}", "email": email, "password": "password12"},
    )
    assert answer.status_code == 400
    error = answer.json()["errors"]["password"]
    assert error["code"] == "password_too_guessable"
    assert "password" in error["message"]["en"]
    assert "密码" in error["message"]["zh-Hans"]
    assert set(answer.json()["errors"]) == {"password"}
    login = await client.post("/api/v1/login", json={"email": email, "password": "password12"})
    assert login.status_code in (400, 401)

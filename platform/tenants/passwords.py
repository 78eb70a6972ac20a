"""Password hashing off the event loop: argon2 is slow on purpose."""

from __future__ import annotations

import asyncio

from neutralpoint.tenants.auth import hash_password, verify_password

# --- passwords (argon2 is deliberately slow: keep it off the event loop) -------------------


async def hash_password_async(password: str) -> str:
    return await asyncio.to_thread(hash_password, password)


async def verify_password_async(password_hash: str, password: str) -> bool:
    return await asyncio.to_thread(verify_password, password_hash, password)


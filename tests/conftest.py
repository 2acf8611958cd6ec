"""Shared fixtures. Services (PostgreSQL, Redis) are used for real where a feature uses
them; without them a test is skipped with the reason, unless GOVAUDIT_REQUIRE_SERVICES=1
(as in CI), where a missing service fails the test."""
from __future__ import annotations

import os
import socket
import uuid

import pytest
from sqlalchemy import create_engine, text

# Fixtures shared by several folders: the browser (tests/support/browser.py).
pytest_plugins = ["tests.support.browser"]

PG_URL = os.environ.get("GOVAUDIT_TEST_PG", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
REDIS_URL = os.environ.get("GOVAUDIT_TEST_REDIS", "redis://127.0.0.1:6379/15")


def _port_open(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=1):
            return True
    except OSError:
        return False


def need_service(name: str, host: str, port: int) -> None:
    if _port_open(host, port):
        return
    msg = f"{name} is not running on {host}:{port}"
    if os.environ.get("GOVAUDIT_REQUIRE_SERVICES") == "1":
        pytest.fail(msg + " (GOVAUDIT_REQUIRE_SERVICES=1)")
    pytest.skip(msg)


@pytest.fixture
def pg_url() -> str:
    need_service("PostgreSQL", "127.0.0.1", 5432)
    return PG_URL


@pytest.fixture
def redis_url() -> str:
    need_service("Redis", "127.0.0.1", 6379)
    return REDIS_URL


@pytest.fixture
def pg_schema(pg_url: str):
    """A fresh PostgreSQL schema (dropped afterwards): a URL whose search_path is that schema."""
    name = f"t_{uuid.uuid4().hex[:12]}"
    eng = create_engine(pg_url)
    with eng.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{name}"'))
    sep = "&" if "?" in pg_url else "?"
    yield f"{pg_url}{sep}options=-csearch_path%3D{name}"
    with eng.begin() as conn:
        conn.execute(text(f'DROP SCHEMA "{name}" CASCADE'))
    eng.dispose()

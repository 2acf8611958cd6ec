"""Test support: local servers, site builders and paths shared by the test suites."""
from __future__ import annotations

from pathlib import Path

TESTS = Path(__file__).resolve().parents[1]
ROOT = TESTS.parent
FIXTURES = TESTS / "fixtures"
SEEDS = ROOT.parent / "shared" / "seeds"

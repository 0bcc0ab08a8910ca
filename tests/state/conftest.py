"""Fixtures for declared-state tests: a minimal valid state in a temporary directory."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.state.base import write_base


@pytest.fixture
def state_root(tmp_path: Path) -> Path:
    """A fresh copy of the minimal valid state (see :mod:`tests.state.base`)."""
    return write_base(tmp_path / "store-state")

"""Shared test fixtures: a fresh workspace and the real data folder (../shared/data)."""

from __future__ import annotations

from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture
def workspace(tmp_path):
    """A fresh, empty workspace in a temporary folder (currency EUR); closed afterwards."""
    from saleskpi.workspace import Workspace

    ws = Workspace.init(tmp_path / "ws")
    yield ws
    ws.close()


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """The shared real data sets (../shared/data beside the repo); skips when absent."""
    path = (REPO / ".." / "shared" / "data").resolve()
    if not path.is_dir():
        pytest.skip(f"the shared data folder {path} is absent (CI has it; see ../shared/data/README.md)")
    return path

"""The bundled cases and QA data rendered once for every trends output test."""

from __future__ import annotations

import pytest
from trends_helpers import Rendered, render


@pytest.fixture(scope="session")
def rendered(tmp_path_factory: pytest.TempPathFactory) -> Rendered:
    """Every trends output of the bundled data (TODAY: 25 Nov 2026)."""
    return render(tmp_path_factory.mktemp("trends"))

"""Fixtures for the analysis tests (helpers live in analyse_helpers.py)."""

from __future__ import annotations

from analyse_helpers import analyse_data, clean_data

__all__ = ["analyse_data", "clean_data"]

"""Fixtures of the report tests: the centre tree of ``histories.ReportTree`` (every level, a
professional committee, a court with its liaison, mediators at several centres)."""

import pytest

from .histories import ReportTree, build_report_tree


@pytest.fixture
def report_tree(db: None) -> ReportTree:
    return build_report_tree()

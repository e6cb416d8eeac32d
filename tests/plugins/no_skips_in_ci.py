"""In CI nothing is skipped (DESIGN.md §4): a skip there means a missing browser or service.

Registered for every run through pytest's addopts in pyproject.toml. Outside CI, skips stay skips, so
the quick start works without PostgreSQL, Redis, Chromium or poppler-utils.
"""

import os

import pytest


def _skipped_in_ci(config: pytest.Config) -> list[pytest.TestReport]:
    if os.environ.get("CI", "").lower() in ("", "0", "false"):
        return []
    reporter = config.pluginmanager.get_plugin("terminalreporter")
    # xdist's workers have no reporter; their skips reach the controller's, which decides.
    return reporter.stats.get("skipped", []) if reporter else []


def pytest_sessionfinish(session: pytest.Session) -> None:
    if _skipped_in_ci(session.config) and session.exitstatus == pytest.ExitCode.OK:
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


def pytest_terminal_summary(terminalreporter, config: pytest.Config) -> None:
    if skipped := _skipped_in_ci(config):
        terminalreporter.section("skips fail the run in CI", red=True)
        terminalreporter.line(f"{len(skipped)} skipped (reasons in the summary below)")

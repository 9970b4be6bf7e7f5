"""The bridge between the pytest plugin and the assertions: which test is running, where bundles go.

The plugin sets a :class:`TestContext` around each test (:func:`running`); :func:`current` is what
:func:`~symlogic.testing.assert_claim` reads to name a bundle after the test and to attach what it
checked to the test's report. Outside pytest, or without the plugin, there is no context and the
assertions write nothing unless given ``bundle_dir``. A :class:`contextvars.ContextVar` keeps nested
runs apart (a test that runs pytest inside itself sees its own inner tests' contexts).
"""

from __future__ import annotations

import contextlib
import contextvars
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

__all__ = ["TestContext", "current", "running"]


@dataclass(frozen=True)
class TestContext:
    """The test being run, as the assertions need it.

    Attributes:
        node_id: the pytest node id (names the bundle files).
        bundle_dir: where every checked claim's bundle goes (``--symlogic-bundles``); None: nowhere.
        attach: records one checked result (its "check", "status", "bundle", "sha256" strings) on
            the test's report.
    """

    __test__ = False  # not a test class, whatever pytest's name rules say

    node_id: str
    bundle_dir: Path | None
    attach: Callable[[dict[str, str]], None]


_CURRENT: contextvars.ContextVar[TestContext | None] = contextvars.ContextVar("symlogic_test_context", default=None)


def current() -> TestContext | None:
    """The context of the test now running, or None outside a test run by the plugin."""
    return _CURRENT.get()


@contextlib.contextmanager
def running(context: TestContext) -> Iterator[TestContext]:
    """Make ``context`` current for the duration of the block (restored afterwards, also on error)."""
    token = _CURRENT.set(context)
    try:
        yield context
    finally:
        _CURRENT.reset(token)

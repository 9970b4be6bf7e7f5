"""The pytest plugin: claims files as tests, evidence bundles of every check, evidence in reports.

Loaded in every pytest run where symlogic is installed (entry point ``pytest11``), so it imports
only pytest and the standard library and does nothing until used:

- files named ``claims*.toml`` / ``claims*.yaml`` / ``claims*.yml`` (ini option
  ``symlogic_claims_files``: other glob patterns) are collected, one test item per claim
  (:mod:`.claims_files`, :mod:`.items`);
- ``--symlogic-bundles=DIR`` writes an evidence bundle of every check made by
  :func:`~symlogic.testing.assert_claim` / :func:`~symlogic.testing.assert_explains` and by
  claims files into DIR (file names from the test's node id and a hash of the check); without it
  no file is written;
- each check is attached to its test's report: as JUnit XML properties (``symlogic_check``,
  ``symlogic_status``, and with bundles ``symlogic_bundle``, ``symlogic_sha256``, through
  ``item.user_properties`` as ``record_property`` does) and, when pytest-json-report runs, as the
  test's metadata ``{"symlogic": [{check, status, bundle, sha256}, ...]}``.
"""

from __future__ import annotations

from fnmatch import fnmatch
from pathlib import Path
from typing import Any

import pytest

from .context import TestContext, running

__all__ = ["DEFAULT_PATTERNS", "entries_of"]

#: Which files are claims files, unless the ini option ``symlogic_claims_files`` says otherwise.
DEFAULT_PATTERNS = ("claims*.toml", "claims*.yaml", "claims*.yml")
_SUFFIXES = (".toml", ".yaml", ".yml")
_ENTRIES = pytest.StashKey[list]()
_BUNDLE_DIR = pytest.StashKey[Any]()
_WRITTEN = pytest.StashKey[list]()


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("symlogic", "symlogic: claims as tests")
    group.addoption("--symlogic-bundles", metavar="DIR", default=None, dest="symlogic_bundles",
                    help="write an evidence bundle of every checked claim and explanation into DIR "
                         "(default: write none)")
    parser.addini("symlogic_claims_files", type="args", default=list(DEFAULT_PATTERNS),
                  help="glob patterns of the file names collected as symlogic claims files "
                       f"(default: {' '.join(DEFAULT_PATTERNS)})")


def pytest_configure(config: pytest.Config) -> None:
    folder = config.getoption("symlogic_bundles", None)
    # Resolved now: a test that changes the working directory must not move the bundles.
    config.stash[_BUNDLE_DIR] = None if not folder else (config.invocation_params.dir / folder).resolve()
    config.stash[_WRITTEN] = []


def pytest_collect_file(file_path: Path, parent: pytest.Collector) -> pytest.Collector | None:
    if file_path.suffix not in _SUFFIXES:
        return None
    patterns = parent.config.getini("symlogic_claims_files")
    if not any(fnmatch(file_path.name, p) for p in patterns):
        return None
    from .items import ClaimsFileNode

    return ClaimsFileNode.from_parent(parent, path=file_path)


def entries_of(item: pytest.Item) -> list[dict[str, str]]:
    """What the symlogic checks of ``item`` attached to it so far (check, status, bundle, sha256)."""
    return list(item.stash.get(_ENTRIES, []))


def _attach(item: pytest.Item, entry: dict[str, str]) -> None:
    item.stash.setdefault(_ENTRIES, []).append(dict(entry))
    for key, value in entry.items():
        item.user_properties.append((f"symlogic_{key}", value))
    if "bundle" in entry:
        item.config.stash[_WRITTEN].append(entry["bundle"])


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_protocol(item: pytest.Item, nextitem: pytest.Item | None) -> Any:
    context = TestContext(node_id=item.nodeid, bundle_dir=item.config.stash.get(_BUNDLE_DIR, None),
                          attach=lambda entry: _attach(item, entry))
    with running(context):
        yield


@pytest.hookimpl(optionalhook=True)
def pytest_json_runtest_metadata(item: pytest.Item, call: pytest.CallInfo[Any]) -> dict[str, Any] | None:
    """pytest-json-report's hook: the checks of this test go into its metadata under "symlogic"."""
    entries = entries_of(item)
    return {"symlogic": entries} if entries else None


def pytest_terminal_summary(terminalreporter: Any, exitstatus: int, config: pytest.Config) -> None:
    folder = config.stash.get(_BUNDLE_DIR, None)
    if folder is not None:
        written = config.stash.get(_WRITTEN, [])
        terminalreporter.write_line(f"symlogic: {len(written)} evidence bundles written to {folder}")

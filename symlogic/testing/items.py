"""Claims files as pytest nodes: the file, one collector per subject, one item per claim.

Collection reads and checks the whole file (:func:`~.claims_files.read_claims_file`), so a
malformed file is a collection error naming the file, the key and the fix; a subject's data are
loaded when its first claim runs, once, and each claim runs through
:func:`~symlogic.testing.assert_claim`, failing with its message.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from ..errors import SymlogicError
from .assertions import ClaimFailed, ExplanationFailed, assert_claim
from .claims_files import ClaimsFileError, ClaimSpec, SubjectSpec, load_subject, read_claims_file

__all__ = ["ClaimsFileNode", "SubjectNode", "ClaimItem"]


class _Loaded:
    """A subject's data, loaded on first use; a failure to load is kept and reported by each claim."""

    def __init__(self, spec: SubjectSpec, path: Path) -> None:
        self.spec, self.path = spec, path
        self._value: tuple[Any, Any] | None = None
        self._error: BaseException | None = None

    def get(self) -> tuple[Any, Any]:
        if self._error is not None:
            raise self._error
        if self._value is None:
            try:
                self._value = load_subject(self.spec, self.path)
            except Exception as exc:
                self._error = exc
                raise
        return self._value


def _items(parent: pytest.Collector, spec: SubjectSpec, path: Path) -> Iterator["ClaimItem"]:
    loaded = _Loaded(spec, path)
    for claim in spec.claims:
        yield ClaimItem.from_parent(parent, name=claim.id, claim=claim, subject=spec, loaded=loaded)


class ClaimsFileNode(pytest.File):
    """A claims file: its subjects (or, for a one-subject file, its claims directly)."""

    def collect(self) -> Iterator[pytest.Item | pytest.Collector]:
        try:
            spec = read_claims_file(self.path)
        except ClaimsFileError as exc:
            raise self.CollectError(str(exc)) from None
        for subject in spec.subjects:
            if subject.name:
                yield SubjectNode.from_parent(self, name=subject.name, subject=subject)
            else:
                yield from _items(self, subject, self.path)


class SubjectNode(pytest.Collector):
    """One subject of a claims file; its claims are its items."""

    def __init__(self, *, subject: SubjectSpec, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.subject = subject

    def collect(self) -> Iterator["ClaimItem"]:
        yield from _items(self, self.subject, self.path)


class ClaimItem(pytest.Item):
    """One claim of a claims file, checked against its subject with the outcome the file expects."""

    def __init__(self, *, claim: ClaimSpec, subject: SubjectSpec, loaded: _Loaded, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.claim, self.subject, self.loaded = claim, subject, loaded

    def runtest(self) -> None:
        from ..logic import LogicModel

        target, record = self.loaded.get()
        on = self.claim.on or self.subject.on
        on_model = on == "model" or (on is None and isinstance(target, LogicModel))
        epsilon = self.claim.epsilon if self.claim.epsilon is not None else (self.subject.epsilon if on_model else None)
        assert_claim(target, self.claim.text, record=record, expect=self.claim.expect,
                     counterexample=self.claim.counterexample, on=on, epsilon=epsilon,
                     time_limit=self.subject.time_limit)

    def repr_failure(self, excinfo: pytest.ExceptionInfo[BaseException], style: Any = None) -> Any:
        if isinstance(excinfo.value, (ClaimFailed, ExplanationFailed, SymlogicError)):
            where = f"{self.path.name}: {self.claim.key}"
            return f"{where}\n{excinfo.value}"
        return super().repr_failure(excinfo, style=style)

    def reportinfo(self) -> tuple[Path, int | None, str]:
        subject = f"{self.subject.name}: " if self.subject.name else ""
        return self.path, None, f"claim {subject}{self.claim.text}"

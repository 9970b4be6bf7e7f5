"""What an assertion is about: a record, a logic model (with or without its record), or a bundle.

:func:`resolve_subject` turns the ``subject`` of :func:`~symlogic.testing.assert_claim` into one
:class:`Subject` and decides where a claim is checked by default: a record or a bundle on the
recorded outputs (exhaustive, exact), a logic model through the model (docs/theory.md §4.5).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..errors import InputError

if TYPE_CHECKING:
    from ..evidence import Evidence
    from ..logic import LogicModel
    from ..record import Record

__all__ = ["Subject", "resolve_subject", "ON"]

#: Where a claim is checked: on the recorded outputs, or on the logic model (carried to the
#: network with its proven ε when the record is there).
ON = ("record", "model")


@dataclass(frozen=True)
class Subject:
    """A subject resolved: its record and model (either may be None) and the bundle it came from.

    Attributes:
        record: the recorded table, when there is one.
        model: the logic model, when there is one.
        evidence: the evidence bundle (loaded, hashes checked) when the subject was one.
        label: what the subject was, for messages ("record", "logic model", "bundle PATH").
    """

    record: "Record | None"
    model: "LogicModel | None"
    evidence: "Evidence | None"
    label: str

    @property
    def names(self) -> tuple[str, ...]:
        """The variable names (the record's, or the model's without one)."""
        source = self.record if self.record is not None else self.model
        assert source is not None
        return tuple(source.names)

    def default_on(self) -> str:
        """"model" for a logic model given as the subject, else "record"."""
        return "model" if self.evidence is None and self.model is not None else "record"

    def where(self, on: str | None) -> str:
        """``on`` checked against what the subject has; None picks :meth:`default_on`."""
        if on is None:
            return self.default_on()
        if on not in ON:
            raise InputError(f"on must be 'record' or 'model', got {on!r}")
        if on == "record" and self.record is None:
            raise InputError("on='record' needs the recorded outputs: pass record=rec with a logic model")
        if on == "model" and self.model is None:
            raise InputError(f"on='model' needs a logic model, but the subject is a {self.label}; "
                             "pass the LogicModel (with record=rec) or a bundle")
        return on


def _load_bundle(path: str | os.PathLike[str]) -> "Evidence":
    from ..evidence import Evidence

    if not Path(path).is_file():
        raise InputError(f"no evidence bundle at {os.fspath(path)!r}: pass the path of a bundle written by "
                         "Evidence.save (or symlogic explain), or a Record / LogicModel / Evidence")
    return Evidence.load(path)


def resolve_subject(subject: Any, record: Any = None) -> Subject:
    """One :class:`Subject` from what a test passed.

    Args:
        subject: a :class:`~symlogic.record.Record`, a :class:`~symlogic.logic.LogicModel`, an
            :class:`~symlogic.evidence.Evidence`, or the path of a saved bundle (loaded with every
            hash checked: :meth:`Evidence.load <symlogic.evidence.Evidence.load>`).
        record: with a logic model, the record it explains (None: claims are about the model itself).

    Raises:
        InputError: an unknown subject type, ``record=`` where it has no meaning, or names that differ.
        BundleError: the bundle is unreadable or altered.
    """
    from ..evidence import Evidence
    from ..logic import LogicModel
    from ..record import Record

    if record is not None and not isinstance(record, Record):
        raise InputError(f"record= must be a symlogic Record, got {type(record).__name__}")
    if isinstance(subject, (str, os.PathLike)):
        ev = _load_bundle(subject)
        label = f"bundle {os.fspath(subject)}"
    elif isinstance(subject, Evidence):
        ev, label = subject, "evidence bundle"
    else:
        ev = None
    if ev is not None:
        if record is not None:
            raise InputError("record= is for a LogicModel subject; a bundle brings its own record")
        return Subject(ev.record, ev.logic_model, ev, label)
    if isinstance(subject, Record):
        if record is not None:
            raise InputError("record= is for a LogicModel subject; the subject is already a Record")
        return Subject(subject, None, None, "record")
    if isinstance(subject, LogicModel):
        if record is not None and tuple(record.names) != tuple(subject.names):
            raise InputError(f"the record's variables {list(record.names)} differ from the model's "
                             f"{list(subject.names)}; pass the record this model was built from")
        return Subject(record, subject, None, "logic model")
    raise InputError(f"the subject must be a Record, a LogicModel, an Evidence or the path of a bundle, got "
                     f"{type(subject).__name__}")

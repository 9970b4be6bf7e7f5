"""Claims files: subjects and the claims each must satisfy, in TOML or YAML, collected as tests.

A claims file (``claims*.toml`` by default, or ``claims*.yaml`` / ``.yml`` with PyYAML) names one
or more subjects and, for each, claims with the outcome the project expects::

    [subjects.patient_7]
    bundle = "bundles/patient_7.zip"          # relative to this file

    [[subjects.patient_7.claims]]
    claim = "no_effect(sex, 0.01)"

    [[subjects.patient_7.claims]]
    claim = "output <= 0"
    expect = "fails"
    counterexample = { present = ["age"] }

A subject is one of: ``bundle`` (an evidence bundle, loaded with every hash checked), ``table``
(a ``.npy`` file, read without pickles, or a ``.json`` list / ``{"values": [...], "names": [...]}``)
or inline ``values``, with ``names``; or ``factory = "module:function"`` (or ``"file.py:function"``
relative to the claims file), called with no arguments, returning a Record, a LogicModel, an
Evidence or a (LogicModel, Record) pair. A factory **imports and runs project code**, as a
conftest.py does: only collect claims files you would run as tests. A file without ``subjects``
is one subject itself (its keys at the top level). Everything is checked when the file is read;
a malformed file raises :class:`ClaimsFileError` naming the file, the key and the fix.
"""

from __future__ import annotations

import difflib
import hashlib
import importlib
import importlib.util
import json
import math
import re
import sys
from collections.abc import Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from ..errors import InputError
from .assertions import EXPECT
from .subjects import ON

__all__ = ["ClaimsFileError", "ClaimSpec", "SubjectSpec", "ClaimsFile", "read_claims_file", "parse_claims_data",
           "load_subject", "SUBJECT_KINDS"]

#: Where a subject's data come from; exactly one per subject.
SUBJECT_KINDS = ("bundle", "table", "values", "factory")
_SUBJECT_KEYS = SUBJECT_KINDS + ("names", "on", "epsilon", "time_limit", "claims")
_CLAIM_KEYS = ("claim", "expect", "counterexample", "on", "epsilon", "id")
_FACTORY = re.compile(r"^(?P<module>[^:]+):(?P<function>[A-Za-z_][A-Za-z0-9_]*)$")
_TABLE_SUFFIXES = (".npy", ".json")


class ClaimsFileError(InputError):
    """A claims file is malformed: the message names the file, the key, the problem and the fix."""

    def __init__(self, path: str | Path, key: str, problem: str, fix: str) -> None:
        super().__init__(f"{path}: {key}: {problem}. Fix: {fix}")
        self.path = str(path)
        self.key = key


@dataclass(frozen=True)
class ClaimSpec:
    """One claim of a subject: the text, the expected outcome and where it is checked.

    ``key`` is where it sits in the file (``subjects.patient.claims[1]``), for messages.
    """

    text: str
    expect: str = "holds"
    counterexample: Any = None
    on: str | None = None
    epsilon: Any = None
    id: str = ""
    key: str = ""


@dataclass(frozen=True)
class SubjectSpec:
    """One subject of a claims file: where its data come from, and its claims."""

    name: str
    kind: str
    source: Any
    names: tuple[str, ...] | None
    claims: tuple[ClaimSpec, ...]
    base: Path
    on: str | None = None
    epsilon: Any = None
    time_limit: float | None = None
    key: str = ""


@dataclass(frozen=True)
class ClaimsFile:
    """A claims file read and checked: its subjects in file order."""

    path: Path
    subjects: tuple[SubjectSpec, ...]


def _closest(word: str, allowed: tuple[str, ...]) -> str:
    match = difflib.get_close_matches(word, allowed, n=1)
    return f" (did you mean {match[0]!r}?)" if match else ""


def _parse_text(path: Path) -> Any:
    """The file's data: TOML with the standard library, YAML with PyYAML's safe loader."""
    raw = path.read_bytes()
    if path.suffix == ".toml":
        import tomllib

        try:
            return tomllib.loads(raw.decode("utf-8"))
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
            raise ClaimsFileError(path, "(file)", f"not valid TOML ({exc})",
                                  "correct the syntax at that place") from None
    try:
        import yaml
    except ImportError:
        raise ClaimsFileError(path, "(file)", "a YAML claims file needs PyYAML, which is not installed",
                              "pip install pyyaml (or symlogic[yaml]), or write the file as claims.toml") from None
    try:
        return yaml.safe_load(raw.decode("utf-8"))
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        raise ClaimsFileError(path, "(file)", f"not valid YAML ({exc})", "correct the syntax at that place") from None


def read_claims_file(path: str | Path) -> ClaimsFile:
    """Read and check one claims file (TOML by its ``.toml`` suffix, else YAML).

    Raises:
        ClaimsFileError: unreadable, malformed, an unknown key, a claim that does not parse, a
            missing data file; the message names the file, the key and the fix.
    """
    path = Path(path)
    return parse_claims_data(_parse_text(path), path)


def _unknown_keys(path: Path, key: str, data: Mapping[str, Any], allowed: tuple[str, ...]) -> None:
    for k in data:
        if k not in allowed:
            raise ClaimsFileError(path, f"{key}.{k}" if key else str(k), f"unknown key{_closest(str(k), allowed)}",
                                  f"use only {', '.join(allowed)}")


def parse_claims_data(data: Any, path: Path) -> ClaimsFile:
    """Check a claims file's parsed data (a mapping) and turn it into a :class:`ClaimsFile`."""
    if not isinstance(data, Mapping):
        raise ClaimsFileError(path, "(file)", f"the file holds a {type(data).__name__}, not a table of subjects",
                              "start with [subjects.NAME] (TOML) or subjects: (YAML), or give one subject's keys "
                              "(bundle/table/values/factory and claims) at the top level")
    if "subjects" in data:
        _unknown_keys(path, "", data, ("subjects",))
        subjects = data["subjects"]
        if not isinstance(subjects, Mapping) or not subjects:
            raise ClaimsFileError(path, "subjects", "must be a non-empty table of NAME = subject",
                                  "write [subjects.NAME] with its keys (TOML) or subjects: {NAME: {...}} (YAML)")
        specs = tuple(_subject(path, str(name), f"subjects.{name}", body) for name, body in subjects.items())
    else:
        specs = (_subject(path, "", "", data),)
    return ClaimsFile(path=path, subjects=specs)


def _subject(path: Path, name: str, key: str, body: Any) -> SubjectSpec:
    where = key or "(top level)"
    if not isinstance(body, Mapping):
        raise ClaimsFileError(path, where, f"a subject is a table, got {type(body).__name__}",
                              "give it one of bundle/table/values/factory and a list of claims")
    _unknown_keys(path, key, body, _SUBJECT_KEYS)
    kinds = [k for k in SUBJECT_KINDS if k in body]
    if len(kinds) != 1:
        got = "none" if not kinds else " and ".join(kinds)
        raise ClaimsFileError(path, where, f"a subject needs exactly one of {', '.join(SUBJECT_KINDS)}; it has {got}",
                              'e.g. bundle = "evidence.zip", table = "values.npy" with names, '
                              'or factory = "module:function"')
    kind = kinds[0]
    base = path.parent
    prefix = f"{key}." if key else ""
    source = _source(path, f"{prefix}{kind}", kind, body[kind], base)
    names = body.get("names")
    if names is not None:
        if isinstance(names, str) or not isinstance(names, list) or not all(isinstance(x, str) and x for x in names):
            raise ClaimsFileError(path, f"{prefix}names", "must be a list of non-empty variable names",
                                  'write names = ["age", "sex", ...], one per variable in mask order')
        if kind in ("bundle", "factory"):
            raise ClaimsFileError(path, f"{prefix}names", f"a {kind} brings its own variable names",
                                  "drop names (it is for table and values)")
    on = _on(path, f"{prefix}on", body.get("on"))
    epsilon = _epsilon(path, f"{prefix}epsilon", body.get("epsilon"))
    time_limit = body.get("time_limit")
    if time_limit is not None and (isinstance(time_limit, bool) or not isinstance(time_limit, (int, float))
                                   or not (math.isfinite(time_limit) and time_limit > 0)):
        raise ClaimsFileError(path, f"{prefix}time_limit", f"must be a number of seconds > 0, got {time_limit!r}",
                              "write time_limit = 30, or drop it for the default")
    claims = body.get("claims")
    if not isinstance(claims, list) or not claims:
        raise ClaimsFileError(path, f"{prefix}claims", "a subject needs a non-empty list of claims",
                              f'add [[{prefix}claims]] tables with claim = "..." (TOML) or a claims: list (YAML)')
    parsed = tuple(_claim(path, f"{prefix}claims[{i}]", c) for i, c in enumerate(claims))
    seen: dict[str, int] = {}
    unique = []
    for c in parsed:  # two claims with one id would be one pytest node id
        seen[c.id] = seen.get(c.id, 0) + 1
        unique.append(c if seen[c.id] == 1 else replace(c, id=f"{c.id} #{seen[c.id]}"))
    return SubjectSpec(name=name, kind=kind, source=source, names=None if names is None else tuple(names),
                       claims=tuple(unique), base=base, on=on, epsilon=epsilon,
                       time_limit=None if time_limit is None else float(time_limit), key=key)


def _source(path: Path, key: str, kind: str, value: Any, base: Path) -> Any:
    if kind == "values":
        if not isinstance(value, list) or not value or not all(
                isinstance(x, (int, float)) and not isinstance(x, bool) for x in value):
            raise ClaimsFileError(path, key, "must be a list of 2^n numbers (the outputs by mask)",
                                  "write values = [0.0, 1.0, 1.0, 3.0] with names, or use table = \"values.npy\"")
        return tuple(float(x) for x in value)
    if not isinstance(value, str) or not value:
        raise ClaimsFileError(path, key, f"must be a string, got {value!r:.60}",
                              f'write {key.rsplit(".", 1)[-1]} = "..." as a path relative to this file'
                              + (' or "module:function"' if kind == "factory" else ""))
    if kind == "factory":
        if not _FACTORY.match(value):
            raise ClaimsFileError(path, key, f"{value!r} is not of the form module:function",
                                  'write factory = "mypackage.models:make_record" or "helpers.py:make_record"')
        module = value.rsplit(":", 1)[0]
        if module.endswith(".py") and not (base / module).is_file():
            raise ClaimsFileError(path, key, f"there is no file {module!r} next to the claims file",
                                  "give the factory file's path relative to the claims file")
        return value
    file = base / value
    if kind == "table" and file.suffix not in _TABLE_SUFFIXES:
        raise ClaimsFileError(path, key, f"{value!r} is neither a .npy nor a .json table",
                              "save the outputs with numpy.save(..., allow_pickle=False) or as a JSON list")
    if not file.is_file():
        raise ClaimsFileError(path, key, f"there is no file {value!r} next to the claims file ({file})",
                              "give the path relative to the claims file")
    return file


def _on(path: Path, key: str, value: Any) -> str | None:
    if value is not None and value not in ON:
        raise ClaimsFileError(path, key, f"is {value!r}", "write on = \"record\" or on = \"model\"")
    return value


def _epsilon(path: Path, key: str, value: Any) -> Any:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float, str)):
        raise ClaimsFileError(path, key, f"must be a number or a decimal string, got {value!r:.60}",
                              'write epsilon = 0.05 or epsilon = "1/20"')
    return value


def _counterexample_form(cex: Any) -> bool:
    """A mask (int ≥ 0), a list of names, or a one-key table: present = [names] or mask = int."""
    def is_mask(x: Any) -> bool:
        return isinstance(x, int) and not isinstance(x, bool) and x >= 0

    def is_names(x: Any) -> bool:
        return isinstance(x, list) and all(isinstance(name, str) for name in x)

    if isinstance(cex, Mapping):
        return len(cex) == 1 and (is_names(cex.get("present")) or is_mask(cex.get("mask")))
    return is_mask(cex) or is_names(cex)


def _claim(path: Path, key: str, item: Any) -> ClaimSpec:
    from ..claims import parse_claim
    from ..errors import ClaimSyntaxError

    if isinstance(item, str):
        item = {"claim": item}
    if not isinstance(item, Mapping):
        raise ClaimsFileError(path, key, f"a claim is a string or a table, got {type(item).__name__}",
                              'write claim = "present(a) -> output >= 0" with an optional expect')
    _unknown_keys(path, key, item, _CLAIM_KEYS)
    text = item.get("claim")
    if not isinstance(text, str) or not text.strip():
        raise ClaimsFileError(path, f"{key}.claim", "every claim needs its text",
                              'write claim = "present(a) & present(b) -> output >= 0"')
    try:
        parse_claim(text)
    except ClaimSyntaxError as exc:
        raise ClaimsFileError(path, f"{key}.claim", f"the claim does not parse: {exc}",
                              "correct it (the language is in docs/claims.md)") from None
    expect = item.get("expect", "holds")
    if expect not in EXPECT:
        raise ClaimsFileError(path, f"{key}.expect", f"is {expect!r}{_closest(str(expect), EXPECT)}",
                              f"write one of {', '.join(EXPECT)}")
    cex = item.get("counterexample")
    if cex is not None:
        if expect != "fails":
            raise ClaimsFileError(path, f"{key}.counterexample", "only a claim expected to fail has a counterexample",
                                  'add expect = "fails", or drop counterexample')
        if not _counterexample_form(cex):
            raise ClaimsFileError(path, f"{key}.counterexample", f"is {cex!r:.80}",
                                  'write the names present in it: counterexample = { present = ["a", "b"] }, '
                                  "a list of names, or a mask (an int)")
    ident = item.get("id", text.strip())
    if not isinstance(ident, str) or not ident.strip():
        raise ClaimsFileError(path, f"{key}.id", f"must be a non-empty string, got {ident!r:.60}",
                              'write id = "a short name for the test"')
    return ClaimSpec(text=text, expect=expect, counterexample=cex, on=_on(path, f"{key}.on", item.get("on")),
                     epsilon=_epsilon(path, f"{key}.epsilon", item.get("epsilon")),
                     id=ident.strip().replace("::", ": :"), key=key)


# ---- loading a subject (when its first claim runs, not at collection) ------------------------------
def load_subject(spec: SubjectSpec, path: Path) -> tuple[Any, Any]:
    """The subject's object and its record (for a LogicModel; else None).

    Raises:
        ClaimsFileError: a table or factory that does not give a usable subject.
        BundleError: the bundle is unreadable or altered.
    """
    from ..evidence import Evidence
    from ..logic import LogicModel
    from ..record import Record

    where = f"{spec.key}.{spec.kind}" if spec.key else spec.kind
    if spec.kind == "bundle":
        return Evidence.load(spec.source), None
    if spec.kind in ("table", "values"):
        values, names = _table(path, where, spec.source) if spec.kind == "table" else (spec.source, None)
        try:
            return Record.from_table(values, spec.names or names), None
        except InputError as exc:
            raise ClaimsFileError(path, where, f"not a usable table ({exc})",
                                  "give 2^n finite outputs (index = mask) and n names") from None
    made = _factory(path, where, spec.source, spec.base)()
    if isinstance(made, (Record, Evidence, LogicModel)):
        return made, None
    if isinstance(made, tuple) and len(made) == 2 and isinstance(made[0], LogicModel) and isinstance(made[1], Record):
        return made
    raise ClaimsFileError(path, where, f"the factory returned a {type(made).__name__}",
                          "return a Record, a LogicModel, an Evidence or a (LogicModel, Record) pair")


def _table(path: Path, where: str, file: Path) -> tuple[Any, list[str] | None]:
    """A table file's values (and names, from a JSON object): .npy without pickles, or JSON."""
    import numpy as np

    if file.suffix == ".npy":
        try:
            return np.load(file, allow_pickle=False), None
        except (ValueError, OSError) as exc:
            raise ClaimsFileError(path, where, f"{file.name} is not a plain numeric .npy array ({exc})",
                                  "save it with numpy.save(path, values, allow_pickle=False)") from None
    try:
        data = json.loads(file.read_text(encoding="utf-8"))
    except (ValueError, OSError) as exc:
        raise ClaimsFileError(path, where, f"{file.name} is not valid JSON ({exc})",
                              "write a JSON list of numbers") from None
    if isinstance(data, Mapping) and "values" in data:
        names = data.get("names")
        if names is not None and not (isinstance(names, list) and all(isinstance(x, str) for x in names)):
            raise ClaimsFileError(path, where, f"{file.name}: names must be a list of strings",
                                  'write "names": ["a", "b"]')
        return data["values"], names
    if isinstance(data, list):
        return data, None
    raise ClaimsFileError(path, where, f"{file.name} holds a {type(data).__name__}",
                          'write a JSON list of outputs, or {"values": [...], "names": [...]}')


def _factory(path: Path, where: str, spec: str, base: Path) -> Any:
    """The factory function: from an importable module, or a .py file relative to the claims file."""
    module_name, _, function = spec.rpartition(":")
    try:
        if module_name.endswith(".py"):
            file = (base / module_name).resolve()
            unique = "symlogic_claims_factory_" + hashlib.sha256(str(file).encode("utf-8")).hexdigest()[:12]
            module = sys.modules.get(unique)
            if module is None:
                loader = importlib.util.spec_from_file_location(unique, file)
                assert loader is not None and loader.loader is not None
                module = importlib.util.module_from_spec(loader)
                sys.modules[unique] = module
                try:
                    loader.loader.exec_module(module)
                except BaseException:
                    del sys.modules[unique]
                    raise
        else:
            module = importlib.import_module(module_name)
    except ImportError as exc:
        raise ClaimsFileError(path, where, f"cannot import {module_name!r} ({exc})",
                              "install the project, add its folder to pytest's pythonpath, or give a .py path "
                              "relative to the claims file") from None
    fn = getattr(module, function, None)
    if not callable(fn):
        raise ClaimsFileError(path, where, f"{module_name!r} has no function {function!r}",
                              "name a function that takes no arguments and returns the subject")
    return fn

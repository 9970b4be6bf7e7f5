"""How well concepts generalize across samples and models: the metrics of the published studies.

Pure functions on plain data. A *concept* is any hashable key; symlogic uses ``(kind, mask)`` with
kind "and"/"or" and mask the set S as an integer (bit i = variable i), and
:func:`concept_dict` turns an extraction's salient concepts into ``{(kind, mask): value}``. A
sample's (or model's) concepts are a set of keys Ω, or a dict key → interaction value where the
value matters. docs/theory.md §3.8 defines each metric; the papers:

- :func:`samplewise_transferability` ρ(k) and :func:`concept_dictionary` — Li & Zhang, ICML 2023,
  §3.3.2 (transferability over samples);
- :func:`overlap` γ(Ω₁|Ω₂) — Li & Zhang, ICML 2023, §3.3.3 (transferability across models);
- :func:`jaccard` — the IoU-like similarity Σ min / Σ max of the lab's code, over positive and
  negative parts (used to compare the interactions of two models, Chen et al., ICLR 2024);
- :func:`top_k_overlap` — Chen et al., ICLR 2024: the shared share of two top-k sets;
- :func:`discrimination_power`, :func:`overall_discrimination_power` and :func:`concept_frequency`
  — Li & Zhang, ICML 2023, §3.3.4.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Hashable, Iterable, Mapping, Sequence
from typing import Any

from ..errors import InputError
from ..salience import DEFAULT_TAU

__all__ = ["concept_dict", "concept_dictionary", "samplewise_transferability", "transferability_curve", "overlap",
           "jaccard", "top_k_overlap", "concept_frequency", "discrimination_power", "overall_discrimination_power"]

Concepts = Iterable[Hashable] | Mapping[Hashable, float]


def concept_dict(ex: Any, tau: float = DEFAULT_TAU, top_k: int | None = None) -> dict[tuple[str, int], float]:
    """The salient concepts of an extraction as ``{(kind, mask): value}`` (``ex.salient(tau, top_k)``,
    docs/theory.md §3.6): the input the other functions take."""
    return {(c.kind, int(c.mask)): float(c.value) for c in ex.salient(tau=tau, top_k=top_k)}


def _keys(concepts: Concepts, what: str) -> set[Hashable]:
    if isinstance(concepts, (str, bytes)):
        raise InputError(f"{what} must be a set (or dict) of concepts, got the string {concepts!r:.60}")
    try:
        return set(concepts)
    except TypeError as exc:
        raise InputError(f"{what} must be a set (or dict) of hashable concepts such as (kind, mask): {exc}") from None


def _values(concepts: Mapping[Hashable, float], what: str) -> dict[Hashable, float]:
    if not isinstance(concepts, Mapping):
        raise InputError(f"{what} must be a dict concept → interaction value, got {type(concepts).__name__}")
    out: dict[Hashable, float] = {}
    for key, value in concepts.items():
        x = float(value)
        if not math.isfinite(x):
            raise InputError(f"{what}[{key!r}] = {value!r} is not finite")
        out[key] = x
    return out


def _ordered(keys: Iterable[Hashable], score: Mapping[Hashable, float]) -> list[Hashable]:
    """``keys`` by decreasing score; ties by the keys themselves (by their repr where they do not compare)."""
    keys = list(keys)
    try:
        return sorted(keys, key=lambda c: (-score[c], c))
    except TypeError:
        return sorted(keys, key=lambda c: (-score[c], repr(c)))


def _samples(samples: Sequence[Concepts], what: str = "samples") -> list[set[Hashable]]:
    if isinstance(samples, (str, bytes, Mapping)) or not isinstance(samples, Sequence):
        raise InputError(f"{what} must be a list with one set of concepts per sample, got {type(samples).__name__}")
    if not samples:
        raise InputError(f"{what} is empty: pass at least one sample's concepts")
    return [_keys(s, f"{what}[{i}]") for i, s in enumerate(samples)]


def concept_frequency(samples: Sequence[Concepts]) -> dict[Hashable, float]:
    """The share of samples in which each concept is salient (the "activation rate"; Li & Zhang,
    ICML 2023, §3.3.4).

    >>> concept_frequency([{"a", "b"}, {"a"}, {"a", "c"}, {"b"}]) == {"a": 0.75, "b": 0.5, "c": 0.25}
    True
    """
    sets = _samples(samples)
    counts = Counter(c for s in sets for c in s)
    return {c: k / len(sets) for c, k in counts.items()}


def concept_dictionary(samples: Sequence[Concepts], k: int) -> list[Hashable]:
    """D_k: the k concepts salient in the most samples, most frequent first (ties by key).

    >>> concept_dictionary([{"a", "b"}, {"a"}, {"a", "c"}, {"b"}], 2)
    ['a', 'b']
    """
    if isinstance(k, bool) or not isinstance(k, int) or k < 0:
        raise InputError(f"k is a dictionary size, a whole number ≥ 0, got {k!r}")
    freq = concept_frequency(samples)
    return _ordered(freq, freq)[:k]


def samplewise_transferability(samples: Sequence[Concepts], k: int) -> float:
    """ρ(k) = E_x[|D_k ∩ Ω_x| / |Ω_x|]: the average share of a sample's concepts that the k most
    frequent concepts of all samples cover (Li & Zhang, ICML 2023, §3.3.2; docs/theory.md §3.8).

    A large ρ(k) at small k means a few concepts explain most samples: the concepts transfer over
    samples. ρ is non-decreasing in k and reaches 1 once D_k holds every concept seen.

    Args:
        samples: one set (or dict) of salient concepts per sample, usually of one class.
        k: the dictionary size.

    Raises:
        InputError: a sample without concepts (its share is undefined), or a bad k.

    >>> samples = [{"a", "b"}, {"a"}, {"a", "c"}, {"b"}]   # D_1 = {a}: shares 1/2, 1, 1/2, 0
    >>> samplewise_transferability(samples, 1)
    0.5
    >>> samplewise_transferability(samples, 2)             # D_2 = {a, b}: 1, 1, 1/2, 1
    0.875
    """
    sets = _samples(samples)
    empty = [i for i, s in enumerate(sets) if not s]
    if empty:
        raise InputError(f"samples {empty[:5]} have no salient concept, so the share of their concepts that a "
                         "dictionary covers is undefined; leave them out or lower tau")
    dictionary = set(concept_dictionary(samples, k))
    return math.fsum(len(s & dictionary) / len(s) for s in sets) / len(sets)


def transferability_curve(samples: Sequence[Concepts], max_k: int | None = None) -> list[float]:
    """[ρ(1), …, ρ(max_k)] (default: up to the number of distinct concepts, where ρ = 1)."""
    distinct = len(concept_frequency(samples))
    top = distinct if max_k is None else max_k
    return [samplewise_transferability(samples, k) for k in range(1, top + 1)]


def overlap(omega_1: Concepts, omega_2: Concepts) -> float:
    """γ(Ω₁|Ω₂) = |Ω₁ ∩ Ω₂| / |Ω₁|: the share of model 1's concepts that model 2 also encodes on
    the same input (Li & Zhang, ICML 2023, §3.3.3). Not symmetric.

    >>> overlap({("and", 3), ("or", 5), ("and", 1)}, {("and", 3), ("and", 1), ("or", 6)})
    0.6666666666666666

    Raises:
        InputError: Ω₁ is empty (nothing to transfer).
    """
    a = _keys(omega_1, "omega_1")
    b = _keys(omega_2, "omega_2")
    if not a:
        raise InputError("omega_1 is empty: the share of its concepts found in omega_2 is undefined")
    return len(a & b) / len(a)


def jaccard(w_1: Mapping[Hashable, float], w_2: Mapping[Hashable, float], *, signed: bool = True) -> float:
    """Σ min / Σ max of the interaction strengths of two explanations, matched by concept.

    With ``signed`` (the lab's IoU-like overlap) every value is split into its positive part
    max(w, 0) and negative part max(−w, 0), and

        J = Σ_S [min(w₁⁺, w₂⁺) + min(w₁⁻, w₂⁻)] / Σ_S [max(w₁⁺, w₂⁺) + max(w₁⁻, w₂⁻)],

    so a concept with opposite signs in the two adds nothing above and both magnitudes below. With
    ``signed=False``: Σ min(|w₁|, |w₂|) / Σ max(|w₁|, |w₂|). A concept missing from one dict counts
    as 0 there. J is symmetric, in [0, 1], and 1 exactly when the two agree (docs/theory.md §3.8).

    >>> jaccard({"a": 2.0, "b": -1.0}, {"a": 1.0, "c": 1.0})   # (1 + 0 + 0) / (2 + 1 + 1)
    0.25
    >>> jaccard({"a": 2.0}, {"a": -2.0}), jaccard({"a": 2.0}, {"a": -2.0}, signed=False)
    (0.0, 1.0)

    Raises:
        InputError: both are empty or all zero (0/0).
    """
    a = _values(w_1, "w_1")
    b = _values(w_2, "w_2")
    num: list[float] = []
    den: list[float] = []
    for key in set(a) | set(b):
        x, y = a.get(key, 0.0), b.get(key, 0.0)
        if signed:
            xp, xn, yp, yn = max(x, 0.0), max(-x, 0.0), max(y, 0.0), max(-y, 0.0)
            num += [min(xp, yp), min(xn, yn)]
            den += [max(xp, yp), max(xn, yn)]
        else:
            num.append(min(abs(x), abs(y)))
            den.append(max(abs(x), abs(y)))
    total = math.fsum(den)
    if total == 0:
        raise InputError("both explanations are empty or all zero: their similarity 0/0 is undefined")
    return min(1.0, math.fsum(num) / total)


def top_k_overlap(w_1: Mapping[Hashable, float], w_2: Mapping[Hashable, float], k: int) -> float:
    """|top_k(w₁) ∩ top_k(w₂)| / k: the share of the k strongest concepts (by |value|) the two
    explanations have in common (Chen et al., ICLR 2024, the transferability of interactions
    between two models; there computed for AND and OR interactions separately: filter by kind
    first). Ties at the k-th place are broken by key; a dict with fewer than k concepts
    contributes all it has (the denominator stays k).

    >>> top_k_overlap({"a": 3.0, "b": -2.0, "c": 0.1}, {"b": 5.0, "a": 0.2, "c": 1.0}, 2)
    0.5
    """
    if isinstance(k, bool) or not isinstance(k, int) or k < 1:
        raise InputError(f"k is the number of strongest concepts compared, a whole number ≥ 1, got {k!r}")
    a = _values(w_1, "w_1")
    b = _values(w_2, "w_2")
    top_a = set(_ordered(a, {c: abs(x) for c, x in a.items()})[:k])
    top_b = set(_ordered(b, {c: abs(x) for c, x in b.items()})[:k])
    return len(top_a & top_b) / k


def _signs(samples: Sequence[Mapping[Hashable, float]]) -> tuple[Counter[Hashable], Counter[Hashable]]:
    if isinstance(samples, (str, bytes, Mapping)) or not isinstance(samples, Sequence) or not samples:
        raise InputError("samples must be a non-empty list with one dict concept → value per sample")
    pos: Counter[Hashable] = Counter()
    neg: Counter[Hashable] = Counter()
    for i, s in enumerate(samples):
        for key, x in _values(s, f"samples[{i}]").items():
            if x > 0:
                pos[key] += 1
            elif x < 0:
                neg[key] += 1
    return pos, neg


def discrimination_power(samples: Sequence[Mapping[Hashable, float]]) -> dict[Hashable, float]:
    """β(S) = max(m⁺_S, m⁻_S) / (m⁺_S + m⁻_S) for every concept salient in some sample, where
    m⁺_S (m⁻_S) counts the samples in which S is salient with a positive (negative) effect (Li &
    Zhang, ICML 2023, §3.3.4). β = 1: S pushes the score the same way on every sample where it
    appears; β = 1/2: as often one way as the other. A value of exactly 0 counts as not salient.

    >>> beta = discrimination_power([{"a": 1.0, "b": 2.0}, {"a": 0.5, "b": -1.0}, {"a": 2.0, "b": 1.0}])
    >>> beta == {"a": 1.0, "b": 2 / 3}
    True
    """
    pos, neg = _signs(samples)
    return {key: max(pos[key], neg[key]) / (pos[key] + neg[key]) for key in set(pos) | set(neg)}


def overall_discrimination_power(samples: Sequence[Mapping[Hashable, float]]) -> float:
    """The frequency-weighted mean of β: Σ_S freq(S)·β(S) / Σ_S freq(S) = Σ_S max(m⁺, m⁻) / Σ_S (m⁺ + m⁻)
    (the lab's average discrimination power).

    >>> overall_discrimination_power([{"a": 1.0, "b": 2.0}, {"a": 0.5, "b": -1.0}, {"a": 2.0, "b": 1.0}])
    0.8333333333333334

    Raises:
        InputError: no sample has a non-zero concept.
    """
    pos, neg = _signs(samples)
    keys = set(pos) | set(neg)
    if not keys:
        raise InputError("no sample has a salient (non-zero) concept: the discrimination power is undefined")
    return sum(max(pos[k], neg[k]) for k in keys) / sum(pos[k] + neg[k] for k in keys)

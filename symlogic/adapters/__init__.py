"""Model adapters: from a model and one input to a :class:`symlogic.Record` (docs/theory.md §1).

Each adapter chooses the n input variables of one input, builds its baseline, and records the
model's scalar output on all 2^n masked samples with :func:`symlogic.record_model` (or
:func:`symlogic.record`). Every adapter implements :class:`ModelAdapter` (``n_variables``,
``variable_names``, ``query(masks)``, ``record(...)``, ``estimate(...)``). The tabular, image and
text adapters are dataclasses that resolve, on construction, the pieces a recording uses, so
anyone can rebuild a masked input by hand:

- ``input_tensor``: the input as the model reads it (no batch axis);
- ``baseline_tensor``: the same shape, the value of masked elements;
- ``membership``: boolean [n, *input_tensor.shape], row i = the elements variable i controls
  (elements of no variable are background and always kept);
- ``variable_names``, ``baseline_description``, ``masked(masks)`` and ``record(...)``.

Adapters:

- :class:`TabularAdapter` / :func:`record_tabular`: columns of one row; baseline mean, median,
  zero or given; a torch model, a callable or a scikit-learn estimator.
- :class:`ImageAdapter` / :func:`record_image`: patches of a CHW image (all, a list, or the top n by
  gradient × input or occlusion); baseline zero, mean, Gaussian or box blur.
- :class:`TextAdapter` / :func:`record_text`: words or tokens of a text for a Hugging Face
  classifier, causal LM or encoder + head; baseline token or embedding. Needs ``transformers``
  (``pip install 'symlogic[text]'``), which is imported lazily.
- :class:`CallableAdapter` / :func:`record_callable`: any function of a boolean mask batch.

The tabular, image and text adapters also take ``baseline="learned"`` with ``baseline_options``
(:data:`BASELINE_OPTIONS`): baseline values learned near the default one, within a bound, to make
the AND-OR interactions sparse (:func:`symlogic.baselines.learn_baseline`); the adapter keeps the
result in ``learned`` and the record in its baseline description and ``meta["learned_baseline"]``.
"""

from __future__ import annotations

from ..baselines import BASELINE_OPTIONS, LearnedBaseline, learn_baseline
from .base import MaskedInputAdapter, ModelAdapter, mask_batch, masked_inputs
from .callable import CallableAdapter, record_callable
from .estimator import EstimatorModel
from .image import IMAGE_BASELINES, PATCH_SELECTIONS, ImageAdapter, box_blur, gaussian_blur, patch_name, record_image
from .tabular import TABULAR_BASELINES, TabularAdapter, record_tabular
from .text import TEXT_BASELINES, TEXT_KINDS, TEXT_RULES, TEXT_UNITS, TextAdapter, load_text_model, minilm_path, record_text

__all__ = [
    "CallableAdapter",
    "ModelAdapter",
    "MaskedInputAdapter",
    "EstimatorModel",
    "ImageAdapter",
    "TabularAdapter",
    "TextAdapter",
    "record_callable",
    "record_image",
    "record_tabular",
    "record_text",
    "load_text_model",
    "minilm_path",
    "masked_inputs",
    "mask_batch",
    "gaussian_blur",
    "box_blur",
    "patch_name",
    "TABULAR_BASELINES",
    "IMAGE_BASELINES",
    "PATCH_SELECTIONS",
    "TEXT_BASELINES",
    "TEXT_KINDS",
    "TEXT_RULES",
    "TEXT_UNITS",
    "BASELINE_OPTIONS",
    "LearnedBaseline",
    "learn_baseline",
]

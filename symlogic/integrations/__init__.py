"""Evidence where evaluations already live: experiment trackers and model cards.

One module per destination, each importing its third-party library only when called, so
``import symlogic`` stays light and the extras stay optional:

- :mod:`symlogic.integrations.mlflow`: log a bundle, its ε verdict and its claims to an MLflow run
  (``pip install "symlogic[mlflow]"``); ``Evidence.log_to_mlflow`` calls it.
- :mod:`symlogic.integrations.model_card`: a Hugging Face ``model-index`` entry and a README section
  (YAML needs ``pip install "symlogic[yaml]"``); ``Evidence.model_card`` calls it.
- :mod:`symlogic.integrations.digest`: the SHA-256 digests both of them state, which tie what they
  report to one bundle file.

See docs/integrations.md.
"""

from __future__ import annotations

__all__: list[str] = []

"""The mechanical checks of the lemmas in soundness.md: now the theorems of ``proofs/theorems/``.

This file was the checker before the theorems became a package; it stays so that the command
``python proofs/check_lemmas.py`` keeps working, and runs exactly what ``python -m proofs`` runs
(same options, same exit status: 0 when every theorem checks, 1 otherwise). :data:`LEMMAS` says
which theorem checks which lemma of soundness.md.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from pathlib import Path

if __package__ in (None, ""):  # run as a file: make the repository root importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from proofs.__main__ import main as _main  # noqa: E402

#: Lemma of soundness.md → the theorem module that checks it (docs/theorems/<module>.md).
LEMMAS: dict[str, str] = {
    "§1, §7 numbers are exact; ε rounded up": "float_exactness",
    "§2 group reduction (Lemma A)": "group_reduction",
    "§5 extraction certificates (weak duality)": "weak_duality",
    "§6 claims through a proven ε (Lemma B), interaction margin 2^|S|·ε": "margin_transfer",
    "universal matching (docs/theory.md §2.4)": "mobius_inversion",
}


def main(argv: Sequence[str] | None = None) -> int:
    """Run the theorems (all, or ``--only NAME``); 0 when all check, 1 otherwise."""
    return _main(argv)


if __name__ == "__main__":
    sys.exit(main())

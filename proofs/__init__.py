"""Mechanically checked theorems behind symlogic's numbers (``python -m proofs``).

One module per statement in :mod:`proofs.theorems`, each with a page in ``docs/theorems/``. This
package imports nothing on its own: ``python -m proofs`` loads the theorem modules it runs.
"""

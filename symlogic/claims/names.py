"""A parsed claim's variable names resolved against a record's or a model's names.

:func:`resolve` maps each name a claim mentions to its bit; an unknown name raises
:class:`UnknownNameError`, which suggests the closest valid name (case-insensitive) and lists the
valid ones. The claim is parsed by :mod:`.parse`.
"""

from __future__ import annotations

import difflib
from collections.abc import Sequence

from ..errors import ClaimSyntaxError, InputError
from .nodes import Claim

__all__ = ["UnknownNameError", "resolve"]


class UnknownNameError(ClaimSyntaxError, InputError):
    """A claim names a variable the record or model does not have (the message suggests the closest
    valid name and lists the valid ones)."""


def _closest(name: str, names: Sequence[str]) -> str | None:
    """The valid name closest to ``name`` (case-insensitive), if any is close."""
    folded: dict[str, str] = {}
    for x in names:
        folded.setdefault(x.casefold(), x)
    match = difflib.get_close_matches(name.casefold(), list(folded), n=1, cutoff=0.6)
    return folded[match[0]] if match else None


def resolve(claim: Claim, names: Sequence[str]) -> dict[str, int]:
    """Map every variable the claim names to its bit; unknown names raise :class:`UnknownNameError`.

    Also lets the conclusion refuse its condition (e.g. a ``no_effect(x, …)`` whose condition
    mentions x itself: the condition is read on masks without x, so it would be vacuous or trivial).

    Examples:
        >>> from symlogic.claims.parse import parse_claim
        >>> resolve(parse_claim("present(b) -> output >= 1"), ["a", "b"])
        {'b': 1}
    """
    index = {x: i for i, x in enumerate(names)}
    uses = claim.name_uses()
    for name, pos in uses:
        if name not in index:
            shown = list(names) if len(names) <= 40 else list(names[:40]) + [f"… ({len(names)} in all)"]
            close = _closest(name, names)
            hint = f"; did you mean {close!r}?" if close is not None else ";"
            raise UnknownNameError(f"unknown variable {name!r}{hint} the variables are {shown}",
                                   claim.text or str(claim), pos)
    claim.validate()
    return {name: index[name] for name, _ in uses}

"""The units of a text: its tokens grouped into words (or kept as tokens), and which become variables.

:func:`text_units` tokenises a text with a Hugging Face tokenizer and groups the sub-word tokens
of each word (a fast tokenizer's ``word_ids``), leaving special tokens out: they are background
and never masked (docs/theory.md §1.1). :func:`choose_units` picks the variables among the units:
a given list (indices or names), or ``n`` of them by a rule (:data:`TEXT_RULES`). The adapter
that masks the chosen units is :class:`symlogic.adapters.text.TextAdapter`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from ..errors import InputError

__all__ = ["TextUnits", "text_units", "choose_units", "clean_token", "TEXT_UNITS", "TEXT_RULES", "STOPWORDS"]

TEXT_UNITS = ("words", "tokens")
#: How ``n`` variables are chosen when no list is given: the first n non-stopword words, the n
#: longest, or simply the first n.
TEXT_RULES = ("content", "longest", "first")

#: A small English stopword list for the "content" rule.
STOPWORDS = frozenset(
    """a an the and or but if then else of at by for with about against between into through during before after
    above below to from up down in out on off over under again further once here there when where why how all any
    both each few more most other some such no nor not only own same so than too very s t can will just don should
    now i me my myself we our ours ourselves you your yours yourself yourselves he him his himself she her hers
    herself it its itself they them their theirs themselves what which who whom this that these those am is are
    was were be been being have has had having do does did doing would could ought i'm you're he's she's it's
    we're they're isn't aren't wasn't weren't hasn't haven't hadn't doesn't don't didn't won't wouldn't can't
    cannot couldn't shouldn't let's that's there's as until while""".split()
)

_SUBWORD_MARKS = ("##", "Ġ", "▁")


@dataclass(frozen=True)
class TextUnits:
    """A tokenised text and its units.

    Attributes:
        input_ids: token ids of the text (special tokens included).
        tokens: the tokens as strings.
        units: the token positions of every word (or token), special tokens excluded.
        names: each unit's text, a repeat numbered ("the#2"): the variable names.
        texts: each unit's plain text (what the "content" and "longest" rules read).
    """

    input_ids: list[int]
    tokens: tuple[str, ...]
    units: tuple[tuple[int, ...], ...]
    names: tuple[str, ...]
    texts: tuple[str, ...]


def clean_token(token: str) -> str:
    """A token without its sub-word marks ("##", "Ġ", "▁") and surrounding space.

    Examples:
        >>> clean_token("##ly"), clean_token("Ġcat")
        ('ly', 'cat')
    """
    for mark in _SUBWORD_MARKS:
        token = token.replace(mark, "")
    return token.strip()


def text_units(tokenizer: Any, text: str, unit: str) -> TextUnits:
    """Tokenise ``text`` and group its non-special tokens into ``unit`` s ("words" or "tokens").

    A word is all its sub-word tokens (``word_ids`` of a fast tokenizer); its text is read from
    the character offsets when the tokenizer gives them, else decoded from its tokens.

    Raises:
        InputError: when the text has only special tokens, or ``unit="words"`` with a slow
            tokenizer (no ``word_ids``).
    """
    tok = tokenizer
    try:
        enc = tok(text, return_special_tokens_mask=True, return_offsets_mapping=True)
        offsets = enc["offset_mapping"]
    except (NotImplementedError, ValueError, TypeError):
        enc = tok(text, return_special_tokens_mask=True)
        offsets = None
    ids = list(enc["input_ids"])
    special = list(enc.get("special_tokens_mask") or [0] * len(ids))
    tokens = tuple(tok.convert_ids_to_tokens(ids))
    content = [p for p in range(len(ids)) if not special[p]]
    if not content:
        raise InputError(f"the text {text!r} has no tokens besides special tokens")
    if unit == "tokens":
        units = [(p,) for p in content]
        texts = [clean_token(tokens[p]) or tokens[p] for p in content]
    else:
        try:
            word_ids = enc.word_ids()
        except (ValueError, AttributeError) as exc:
            raise InputError(
                f"unit='words' needs a fast tokenizer (with word_ids), got {type(tok).__name__}; "
                "load it with use_fast=True, or pass unit='tokens'"
            ) from exc
        groups: dict[int, list[int]] = {}
        for p in content:
            if word_ids[p] is not None:
                groups.setdefault(word_ids[p], []).append(p)
        units = [tuple(g) for g in groups.values()]
        if offsets is not None:
            texts = [text[offsets[u[0]][0] : offsets[u[-1]][1]].strip() for u in units]
        else:
            texts = [tok.decode([ids[p] for p in u]).strip() for u in units]
        texts = [t or "".join(tokens[p] for p in u) for t, u in zip(texts, units)]
    seen: dict[str, int] = {}
    names = []
    for t in texts:
        seen[t] = seen.get(t, 0) + 1
        names.append(t if seen[t] == 1 else f"{t}#{seen[t]}")
    return TextUnits(ids, tokens, tuple(units), tuple(names), tuple(texts))


def choose_units(names: Sequence[str], texts: Sequence[str], unit: str, variables: Sequence[int | str] | None,
                 n: int | None, rule: str) -> list[int]:
    """The indices of the units that become variables, in text order for a rule, as listed otherwise.

    Args:
        names, texts: the units' names and plain texts (:class:`TextUnits`).
        unit: "words" or "tokens" (for the messages).
        variables: the units to use, by index or name; or None to choose by ``n`` and ``rule``.
        n: how many units ``rule`` chooses; None (and no ``variables``): all of them.
        rule: "content" (the first n that are not stopwords or punctuation), "longest" (the n
            longest, earlier first among equals) or "first".

    Raises:
        InputError: naming the unknown, repeated or out-of-range unit, or the impossible ``n``.

    Examples:
        >>> words = ("The", "cats", "sat", "on", "the", "mat")
        >>> choose_units(words, words, "words", None, 2, "content")
        [1, 2]
        >>> choose_units(words, words, "words", ["mat", 0], None, "content")
        [5, 0]
    """
    count = len(names)
    what = "words" if unit == "words" else "tokens"
    if variables is not None:
        if n is not None:
            raise InputError(f"pass either variables=[...] or n = {n} (chosen by rule={rule!r}), not both")
        if isinstance(variables, (str, int)):
            raise InputError(f"variables must be a list of {what} (indices or names), got {variables!r}; wrap it in a list")
        index = {name: k for k, name in enumerate(names)}
        chosen: list[int] = []
        for item in variables:
            if isinstance(item, str):
                if item not in index:
                    raise InputError(f"unknown {what[:-1]} {item!r}; the {what} are {list(names)}")
                k = index[item]
            elif isinstance(item, int) and not isinstance(item, bool):
                if not 0 <= item < count:
                    raise InputError(f"{what[:-1]} index {item} is out of range 0 … {count - 1} (the {what} are {list(names)})")
                k = item
            else:
                raise InputError(f"a variable must be a {what[:-1]} index or name, got {item!r}")
            if k in chosen:
                raise InputError(f"{what[:-1]} {names[k]!r} is listed twice")
            chosen.append(k)
        if not chosen:
            raise InputError(f"variables is empty; pass at least one of the {what} {list(names)}")
        return chosen
    if n is None:
        return list(range(count))
    if rule not in TEXT_RULES:
        raise InputError(f"unknown rule {rule!r}; use one of {TEXT_RULES}, or pass variables=[...]")
    if rule == "content":
        eligible = [
            k for k, t in enumerate(texts)
            if any(ch.isalnum() for ch in t) and t.lower() not in STOPWORDS
        ]
    elif rule == "longest":
        eligible = sorted(range(count), key=lambda k: (-len(texts[k]), k))
    else:
        eligible = list(range(count))
    if isinstance(n, bool) or not isinstance(n, int) or not 1 <= n <= len(eligible):
        which = f"{len(eligible)} of them qualify under rule={rule!r}" if rule == "content" else f"the text has {count}"
        raise InputError(f"n = {n!r} {what} asked for, but {which}; pass 1 ≤ n ≤ {len(eligible)} or choose variables=[...]")
    return sorted(eligible[:n])  # ``eligible`` is in priority order; variables follow the text

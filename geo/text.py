"""Search text: lower case without accents, so that 'chisinau' finds 'Chișinău', for a whole column at once.

``fold`` is the definition (case folding, compatibility decomposition, combining marks dropped). It works character
by character: the fold of a text is the folds of its characters, joined (the decomposition only reorders combining
marks, and those are dropped). ``fold_column`` uses that: ASCII cells are lower-cased by Arrow; the other cells are
lower-cased and decomposed by Arrow, then every distinct character that occurs in them is folded both ways, and
cells holding a character where the two disagree (``ß``, which case folding turns into ``ss``; characters the two
Unicode versions see differently) are folded by ``fold`` itself. The result is ``fold`` of every cell.
"""

from __future__ import annotations

import unicodedata
from collections import Counter

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from geo.columns import bools, flat


def fold(text: str) -> str:
    """Lower-case and strip accents, so that 'chisinau' finds 'Chișinău'."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


MAX_PASSES = 64  # characters replaced column-wise; cells with rarer ones are folded one by one


def _non_ascii(values: pa.Array) -> str:
    """Every non-ASCII character of a column, in order (UTF-8 keeps a character's bytes together, all >= 0x80)."""
    buffer = values.buffers()[2]
    if buffer is None:
        return ""
    data = np.frombuffer(buffer, dtype=np.uint8)
    return data[data >= 0x80].tobytes().decode("utf-8")


def fold_column(values: pa.Array | pa.ChunkedArray) -> pa.Array:
    """``fold`` of every cell."""
    values = flat(values)
    out = pc.ascii_lower(values)
    ascii_ = bools(pc.string_is_ascii(values))
    if ascii_.all():
        return out
    rows = np.flatnonzero(~ascii_)
    other = out.take(pa.array(rows))
    counts = Counter(_non_ascii(other))
    folds = {c: fold(c) for c in counts}
    changed = sorted((c for c, f in folds.items() if f != c), key=lambda c: -counts[c])
    # A character is replaced by its fold if that fold is final (each of its characters folds to itself).
    final = [c for c in changed if all(folds.get(ch, fold(ch)) == ch for ch in folds[c])]
    passes, rest = final[:MAX_PASSES], set(changed) - set(final[:MAX_PASSES])
    for c in passes:
        other = pc.replace_substring(other, c, folds[c])
    if rest:
        odd = np.flatnonzero(bools(pc.match_substring_regex(other, "[" + "".join(f"\\x{{{ord(c):x}}}" for c in sorted(rest)) + "]")))
        if len(odd):
            originals = values.take(pa.array(rows[odd])).to_pylist()
            mask = np.zeros(len(other), dtype=bool)
            mask[odd] = True
            other = pc.replace_with_mask(other, pa.array(mask), pa.array([fold(t) for t in originals], other.type))
    mask = np.zeros(len(values), dtype=bool)
    mask[rows] = True
    return pc.replace_with_mask(out, pa.array(mask), other)

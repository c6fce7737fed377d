"""What is worked out from one object (a basemap read, a catalog's country table) and kept while it lives.

Keyed by the object's identity, not its content: hashing a basemap would cost more than most of what is kept.
Only the last ``KEEP`` objects are held (the last good data and the current), so a reload's new basemap pushes
out the oldest instead of growing the cache.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")
KEEP = 2


def per_object(cache: dict[int, tuple[object, T]], owner: object, make: Callable[[], T]) -> T:
    """``make()`` once for ``owner`` while it is one of the last ``KEEP`` owners seen by ``cache``."""
    held = cache.get(id(owner))
    if held is None or held[0] is not owner:  # an id can be reused once its object is gone
        while len(cache) >= KEEP:
            cache.pop(next(iter(cache)))
        held = cache[id(owner)] = (owner, make())
    return held[1]

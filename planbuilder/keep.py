"""Results kept from one build for the next by the identity of what they were made from.

The dev server's stages hand down the very same objects for what a save left unchanged
(see ARCHITECTURE.md, "What a build keeps for the next one"). ``KeptByIdentity`` makes a
result again only for objects that are new: it holds each object with its result, so an
object's ``id`` cannot be reused by another while its result is kept, and it holds only
the objects of its last call.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Generic, TypeVar

T = TypeVar("T")
R = TypeVar("R")


class KeptByIdentity(Generic[T, R]):
    """``make(obj)`` for each object, or the result kept from the last call for the very
    same object. A result also read from something other than its object passes that as
    ``context``: the last call's results are used only when its context was equal."""

    def __init__(self) -> None:
        self._last: dict[int, tuple[T, R]] = {}
        self._context: object = None

    def map(self, objects: Iterable[T], make: Callable[[T], R], context: object = None) -> list[R]:
        kept = self._last if context == self._context else {}
        made: dict[int, tuple[T, R]] = {}
        results = []
        for obj in objects:
            found = kept.get(id(obj))
            if found is None or found[0] is not obj:
                found = (obj, make(obj))
            made[id(obj)] = found
            results.append(found[1])
        self._last, self._context = made, context
        return results

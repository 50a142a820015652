"""KeptByIdentity: a result is used again only for the very same object."""

from planbuilder.keep import KeptByIdentity


def test_a_result_is_made_again_only_for_new_objects():
    made: list[str] = []

    def make(item: list[str]) -> str:
        made.append(item[0])
        return item[0].upper()

    a, b = ["a"], ["b"]
    kept: KeptByIdentity[list[str], str] = KeptByIdentity()
    assert kept.map([a, b], make) == ["A", "B"]
    equal_to_a = ["a"]  # equal, but another object: made again
    assert kept.map([equal_to_a, b], make) == ["A", "B"]
    assert made == ["a", "b", "a"]
    # Only the last call's objects are held: `a` was dropped, so it is made again.
    assert kept.map([a], make) == ["A"]
    assert made == ["a", "b", "a", "a"]


def test_a_changed_context_makes_every_result_again():
    made: list[str] = []
    a = ["a"]
    kept: KeptByIdentity[list[str], str] = KeptByIdentity()
    assert kept.map([a], lambda x: made.append(x[0]) or f"{x[0]}1", context=1) == ["a1"]
    assert kept.map([a], lambda x: made.append(x[0]) or f"{x[0]}1", context=1) == ["a1"]
    assert kept.map([a], lambda x: made.append(x[0]) or f"{x[0]}2", context=2) == ["a2"]
    assert made == ["a", "a"]

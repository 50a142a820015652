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

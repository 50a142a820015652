"""Path confinement: a plan may only use files inside its own folder."""

from __future__ import annotations

from pathlib import Path


def is_inside(path: Path, root: Path) -> bool:
    """True when ``path``, with links resolved, lies inside ``root``."""
    try:
        path.resolve().relative_to(root.resolve())
    except (ValueError, OSError):
        return False
    return True

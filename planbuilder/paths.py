"""Path confinement: a plan may only use files inside its own folder; the user's cache."""

from __future__ import annotations

import os
from pathlib import Path


def is_inside(path: Path, root: Path) -> bool:
    """True when ``path``, with links resolved, lies inside ``root``."""
    try:
        path.resolve().relative_to(root.resolve())
    except (ValueError, OSError):
        return False
    return True


def user_cache_dir() -> Path:
    """``$XDG_CACHE_HOME/planbuilder``, else ``~/.cache/planbuilder``."""
    base = os.environ.get("XDG_CACHE_HOME", "")
    root = Path(base) if os.path.isabs(base) else Path.home() / ".cache"
    return root / "planbuilder"

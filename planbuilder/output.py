"""The files a build produces, held in memory until the write stage puts them on disk."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath


class OutputCollision(ValueError):
    """Two artifacts of one build claimed the same output path."""


@dataclass
class OutputFiles:
    """Relative POSIX path → bytes to write, or a source file to copy."""

    files: dict[str, bytes | Path] = field(default_factory=dict)

    def add(self, relative: str, content: bytes | Path) -> None:
        path = PurePosixPath(relative)
        if path.is_absolute() or ".." in path.parts:
            raise ValueError(f"output path must stay inside the output folder: {relative}")
        key = path.as_posix()
        if key in self.files:
            raise OutputCollision(f"two outputs of one build would both be written to {key}")
        self.files[key] = content

    def __contains__(self, relative: str) -> bool:
        return relative in self.files

    def __len__(self) -> int:
        return len(self.files)

"""Where themes live, and how a plan overrides single files of one.

A theme is data: ``templates/`` (Jinja), ``static/`` (CSS and images copied to
the site) and ``fonts/`` (embedded in the PDF). A plan's own ``theme/`` folder
may hold any of the same relative paths; each file there wins over the theme's.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from planbuilder.paths import is_inside

DEFAULT_THEME = "default"
_PACKAGE_DIR = Path(__file__).resolve().parent


def themes_root() -> Path:
    """The folder holding the bundled themes.

    An installed wheel carries them at ``planbuilder/themes``; a source checkout
    (or editable install) has them at the top-level ``themes/``.
    """
    packaged = _PACKAGE_DIR / "themes"
    if packaged.is_dir():
        return packaged
    return _PACKAGE_DIR.parent / "themes"


def available_themes() -> list[str]:
    root = themes_root()
    if not root.is_dir():
        return []
    return sorted(p.name for p in root.iterdir() if (p / "templates").is_dir())


@dataclass(frozen=True)
class Theme:
    """A resolved theme: the bundled folder plus the plan's optional override folder."""

    name: str
    folder: Path
    override: Path | None = None

    @property
    def layers(self) -> list[Path]:
        """Folders searched in order: the plan's override first."""
        return [p for p in (self.override, self.folder) if p is not None]

    @property
    def template_dirs(self) -> list[str]:
        return [str(folder) for folder, _layer in self.template_layers]

    @property
    def template_layers(self) -> list[tuple[Path, Path]]:
        """(``templates/`` folder, the layer it must stay inside), override first.

        The loader refuses a template whose real path leaves its layer, so a link in
        a plan's ``theme/templates/`` cannot publish a file from elsewhere.
        """
        return [(p / "templates", p) for p in self.layers if (p / "templates").is_dir()]

    def find(self, relative: str) -> Path | None:
        """The file at ``relative`` (e.g. ``static/site.css``), override first."""
        for layer in self.layers:
            candidate = layer / relative
            if candidate.is_file() and is_inside(candidate, layer):
                return candidate
        return None

    def files(self, subfolder: str) -> dict[str, Path]:
        """All files under ``subfolder`` keyed by relative path; overrides win. Hidden files
        and files resolving outside their layer are left out."""
        found: dict[str, Path] = {}
        for layer in reversed(self.layers):
            base = layer / subfolder
            if not base.is_dir():
                continue
            for path in sorted(base.rglob("*")):
                relative = path.relative_to(base)
                if any(part.startswith(".") for part in relative.parts):
                    continue  # hidden files and folders (.DS_Store, .git/) are not the theme's
                if path.is_file() and is_inside(path, layer):
                    found[relative.as_posix()] = path
        return found

    @property
    def roots(self) -> list[Path]:
        """Folders a rendered document may read files from."""
        return [p.resolve() for p in self.layers]


def resolve_theme(name: str, override: Path | None = None) -> Theme:
    return Theme(name=name, folder=themes_root() / name, override=override)

"""planbuilder: a static site generator for business plans."""

__version__ = "0.1.0"

__all__ = ["__version__"]

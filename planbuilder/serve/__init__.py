"""``planbuilder serve``: live preview that rebuilds and reloads the browser on save."""

from planbuilder.serve.server import DevServer, ServeError, resolve_request

__all__ = ["DevServer", "ServeError", "resolve_request"]

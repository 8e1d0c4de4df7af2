"""Publishing actions. Every module here registers one action; list new modules explicitly."""

from actions.publishing import publish_to_wordpress  # noqa: F401

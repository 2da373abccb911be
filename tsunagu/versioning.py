"""Optimistic locking: a record edited from a stale form is refused, never silently overwritten."""


class StaleVersionError(Exception):
    """The record changed since the form was opened; nothing was saved."""

"""Domain errors carry a message key (translated by whoever shows it) and its data."""

from __future__ import annotations

from typing import Any


class DomainError(Exception):
    """A refusal a person should see explained: `key` names the notice, `data` fills it."""

    def __init__(self, key: str, **data: Any) -> None:
        super().__init__(key)
        self.key = key
        self.data = data


class NotAllowed(DomainError):
    """The actor may not do this (role or scope). Audited by the caller's service."""


class NotFound(DomainError):
    pass

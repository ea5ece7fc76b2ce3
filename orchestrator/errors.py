"""One exception family for everything a user can fix.

The CLI catches `MlxError` once and prints `message` on one line followed by
`hint` (how to fix it), then exits with code 1. Library code raises these and
never prints.
"""

from __future__ import annotations


class MlxError(Exception):
    """An error the user can act on: what went wrong, and how to fix it."""

    def __init__(self, message: str, hint: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def one_line(self) -> str:
        text = self.message.rstrip(".")
        return f"{text}. {self.hint}" if self.hint else f"{text}."


class ConfigError(MlxError):
    """Bad settings, environment variables or command-line options."""


class CatalogueError(MlxError):
    """The price catalogue cannot be opened, read or written."""


class ImportFileError(CatalogueError):
    """A price file to import has a bad row."""


class ProfileError(MlxError):
    """A model.yaml that does not validate."""


class ProviderError(MlxError):
    """A cloud provider's API or credentials failed."""


class RefreshError(ProviderError):
    """A catalogue refresh that must not be published."""


class DeployError(MlxError):
    """A deployment that could not be created, inspected or removed."""


class LockedError(DeployError):
    """Another mlx process holds the lock on the same resource."""

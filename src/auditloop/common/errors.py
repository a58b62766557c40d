"""Domain errors: raised by services, shown to users as plain-English messages."""


class DomainError(Exception):
    """A rule of the framework was broken. The message says what to do next."""

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


class WorkflowError(DomainError):
    """A transition was asked for from a state that does not allow it."""


class ImportFileError(DomainError):
    """A file could not be read at all (not a row-level problem)."""

"""Errors the tool reports to its user as one clear line."""


class LoadError(Exception):
    """Base of every error that stops a load and leaves the database unchanged."""


class SourceError(LoadError):
    """The input cannot be read: missing, unreadable, or not valid CSV or JSON."""


class ShapeError(LoadError):
    """The input is readable but is not a file of the requested model."""


class UnknownModelError(LoadError):
    """The requested model is not one the tool knows."""


class DatabaseError(LoadError):
    """The database refused the work (connection lost, constraint, bad value)."""


class TooManyRejectsError(LoadError):
    """More records were rejected than the load allows; it was rolled back."""


class OutOfOrderError(LoadError):
    """The dump is older than the newest one already loaded for its model."""


class EmptyFullDumpError(LoadError):
    """A full load of nothing would mark every record deleted."""


class NoTablesError(LoadError):
    """The database has none of the tool's tables: `scli init-db` was never run."""


class TooManyDeletionsError(LoadError):
    """A full dump would mark more of the current records deleted than allowed."""


class BrokerError(LoadError):
    """The message broker cannot be reached, or refused a request."""

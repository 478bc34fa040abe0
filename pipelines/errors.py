"""Errors a user can fix: the CLI prints them as one line, without a traceback."""


class VigieError(Exception):
    """A problem with the user's input, configuration or environment."""

    exit_code = 2


class ConfigError(VigieError):
    """The watchlist (or another setting) is missing or invalid."""


class InputError(VigieError):
    """A file or argument given on the command line cannot be used."""


class SourceError(VigieError):
    """A source answered in a way that stops collection (auth, 4xx, unreachable)."""

    exit_code = 1


class DatabaseBusyError(VigieError):
    """Another process holds the DuckDB write lock."""

    exit_code = 3

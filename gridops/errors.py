"""Errors a user can cause and fix. Each message names the file, field or value and what to do."""

from __future__ import annotations


class UserError(Exception):
    """A mistake in the user's input; the CLI prints it as one line, without a traceback."""

    exit_code = 2


class ConfigError(UserError):
    """A configuration or data file is invalid: the message names file, key/feature and value."""

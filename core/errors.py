"""Errors the user can act on: bad input, a bad configuration, a refusal. Their message alone says what to
fix (file, line, field or key, and what to do), so command-line entry points print them as one line and exit
with ``USER_ERROR``; any other exception is a bug and keeps its traceback."""

USER_ERROR = 2  # exit status of a command stopped by a UserError (argparse uses 2 for bad flags as well)


class UserError(Exception):
    """Base of every error whose message is the whole report."""

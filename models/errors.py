"""The one exception family a user sees as a single line, never as a traceback."""


class CrmError(Exception):
    """A problem the user can fix: bad input, an unknown name, an unreachable store."""

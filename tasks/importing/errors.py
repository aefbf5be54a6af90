"""Errors of an import: the import as a whole fails (``ImportFailed``: nothing written), or one
row's value is wrong (``RowError``, naming the column); ``describe`` words either after the file
and row a message names."""


class ImportFailed(Exception):
    """The import wrote nothing; ``messages`` say why, one line each."""

    def __init__(self, messages):
        self.messages = list(messages)
        super().__init__("\n".join(self.messages))


class RowError(Exception):
    """A problem with the file or one row, named by its column."""

    def __init__(self, column, message):
        self.column = column
        super().__init__(message)


def describe(error):
    """``, 列「X」: message`` or ``: message``, to follow the file (and row) a message names."""
    if isinstance(error, RowError):
        return f", 列「{error.column}」: {error}" if error.column else f": {error}"
    return f": {error}"

"""The one error a ledger file can raise: a clear message naming file, sheet, row and column."""


class LedgerError(Exception):
    """One clear message naming file, sheet, row, column where they apply."""

    def __init__(self, message, *, file=None, sheet=None, row=None, column=None):
        self.message = message
        self.file = file
        self.sheet = sheet
        self.row = row
        self.column = column
        super().__init__(str(self))

    def __str__(self):
        places = []
        if self.file:
            places.append(self.file)
        if self.sheet:
            places.append(f"工作表「{self.sheet}」")
        if self.row:
            places.append(f"第 {self.row} 行")
        if isinstance(self.column, int):
            places.append(f"第 {self.column} 列")
        elif self.column:
            places.append(f"列「{self.column}」")
        return ", ".join(places) + ": " + self.message if places else self.message


class UnreadableFile(LedgerError):
    """The reader could not parse the file at all (damaged, or not the format it looks like),
    as opposed to a file it parsed and refused: another reader may still try it."""

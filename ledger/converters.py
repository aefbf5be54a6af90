"""Path converters of the project's URLs."""

#: The largest id a database row can have (a signed 64-bit integer).
LARGEST_ID = 2**63 - 1


class IdConverter:
    """``<id:pk>``: a row's id. Past 64 bits the URL does not match (404) instead of overflowing
    the database's integer (a 500 on SQLite)."""

    regex = "[0-9]+"

    def to_python(self, value):
        number = int(value)
        if number > LARGEST_ID:
            raise ValueError(f"{value} is past the largest id")
        return number

    def to_url(self, value):
        return str(value)

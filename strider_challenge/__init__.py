"""Load the streaming company's internal and vendor dumps into a database."""

__version__ = "1.0.0"

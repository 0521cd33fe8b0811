"""Use cases: what the tool does, independent of how it is invoked."""

"""The HTTP API of `scli serve`: a router per resource; each parses, calls, renders."""

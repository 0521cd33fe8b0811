"""Adapters to the outside world: files, databases."""

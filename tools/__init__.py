"""Tools the Makefile runs on the repository itself (not part of the package)."""

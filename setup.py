"""Packaging for strider-challenge: installs the `scli` command."""

import re
from pathlib import Path

from setuptools import find_packages, setup

HERE = Path(__file__).parent


def requirements(name: str) -> list[str]:
    """Read a requirements file, skipping comments and includes."""
    lines = (HERE / name).read_text().splitlines()
    return [line for line in lines if line and not line.startswith(("#", "-"))]


def version() -> str:
    """The version the package declares, so that it is written in one place."""
    source = (HERE / "strider_challenge" / "__init__.py").read_text()
    found = re.search(r'^__version__ = "([^"]+)"$', source, re.M)
    assert found, "strider_challenge/__init__.py declares no __version__"
    return found.group(1)


setup(
    name="strider-challenge",
    version=version(),
    description="Load a streaming company's internal and vendor dumps into a database.",
    long_description=(HERE / "README.md").read_text(),
    long_description_content_type="text/markdown",
    python_requires=">=3.11",
    packages=find_packages(include=["strider_challenge", "strider_challenge.*"]),
    install_requires=requirements("requirements.txt"),
    extras_require={"dev": requirements("requirements.dev.txt")},
    entry_points={"console_scripts": ["scli=strider_challenge.entrypoints.cli:app"]},
)

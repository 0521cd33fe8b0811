"""The package as it ships: the wheel, installed from the runtime lock alone.

The wheel is built as `make package` builds it (the sdist first, then the wheel from the
sdist, so a file the sdist lacks fails here). A fresh venv gets the hash-checked lock,
then the wheel without resolving anything, and runs outside the checkout: what runs is
what a user or the image gets, never the source tree.
"""

import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from strider_challenge import __version__
from tests.conftest import ROOT, SAMPLE_DATA
from tests.e2e.helpers import snapshot

pytestmark = pytest.mark.slow


@dataclass(frozen=True)
class Installed:
    """A venv with the runtime lock and the wheel; a folder outside the checkout."""

    wheel: Path
    sdist: Path
    bin: Path
    outside: Path

    def run(
        self, *args: str, env: dict[str, str] | None = None
    ) -> subprocess.CompletedProcess[str]:
        """Run a program of the venv, in the outside folder, with only `env` set."""
        return subprocess.run(
            [str(self.bin / args[0]), *args[1:]],
            capture_output=True,
            text=True,
            env={"PATH": "/usr/bin:/bin", **(env or {})},
            cwd=self.outside,
            timeout=300,
            check=False,
        )


def run_checked(*command: str | Path) -> None:
    done = subprocess.run(
        [str(part) for part in command],
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Installed:
    dist = tmp_path_factory.mktemp("dist")
    venv = tmp_path_factory.mktemp("venv")
    run_checked(sys.executable, "-m", "build", "--no-isolation", "-q", "-o", dist, ROOT)
    (wheel,) = dist.glob("*.whl")
    (sdist,) = dist.glob("*.tar.gz")
    run_checked(sys.executable, "-m", "venv", "--clear", venv)
    pip = (venv / "bin" / "python", "-m", "pip", "install", "--quiet")
    run_checked(*pip, "--require-hashes", "-r", ROOT / "requirements.lock")
    run_checked(*pip, "--no-deps", wheel)
    return Installed(wheel, sdist, venv / "bin", tmp_path_factory.mktemp("outside"))


def test_the_wheel_and_the_sdist_carry_the_package_version(
    installed: Installed,
) -> None:
    assert installed.wheel.name == f"strider_challenge-{__version__}-py3-none-any.whl"
    assert installed.sdist.name == f"strider_challenge-{__version__}.tar.gz"


def test_the_lock_satisfies_what_the_wheel_requires(installed: Installed) -> None:
    check = installed.run("python", "-m", "pip", "check")

    assert check.returncode == 0, check.stdout + check.stderr


def test_scli_runs_from_the_venv_not_from_the_checkout(installed: Installed) -> None:
    version = installed.run("scli", "--version")
    where = installed.run(
        "python", "-c", "import strider_challenge; print(strider_challenge.__file__)"
    )

    assert (version.returncode, version.stdout) == (0, f"scli {__version__}\n")
    assert Path(where.stdout.strip()).is_relative_to(installed.bin.parent)


def test_the_installed_scli_creates_the_schema_and_loads_a_file(
    installed: Installed, database_url: str
) -> None:
    env = {"DATABASE_URL": database_url}
    movies = SAMPLE_DATA / "internal" / "movies.csv"

    init = installed.run("scli", "init-db", env=env)
    load = installed.run(
        "scli", "load", "--model", "movie", "--config", str(movies), env=env
    )

    assert (init.returncode, load.returncode) == (0, 0), init.stderr + load.stderr
    rows = len(movies.read_text().splitlines()) - 1
    assert load.stdout.startswith(f"movie: load #1: read {rows}, inserted {rows},")
    assert len(snapshot(database_url)["movie"]) == rows

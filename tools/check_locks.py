"""Fail when a lock no longer matches the ranges it was compiled from.

The ranges (`requirements*.txt`) are edited by hand; `make lock` compiles each into its
lock. A range added, removed or changed without `make lock` leaves the lock behind, and
`make checks` runs this to say so, by name, without asking any index:

- every package a ranges file asks for is pinned in its lock, at a version in its range;
- every pin the lock says comes from a ranges file (`# via -r FILE`) is still asked for
  there;
- every pin has hashes (pip installs the locks with `--require-hashes`);
- a lock whose ranges include another lock's ranges (`-r requirements.txt`) pins every
  package of that lock at the same version, so the dev venv runs what production runs.

Usage: `python -m tools.check_locks RANGES=LOCK ...` from the repository's root.
"""

import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import NormalizedName, canonicalize_name
from packaging.version import Version


@dataclass(frozen=True)
class Ranges:
    """What a ranges file asks for, its `-r` includes followed."""

    requirements: dict[NormalizedName, list[Requirement]]
    #: The file and every file it includes, resolved.
    files: dict[Path, set[NormalizedName]]


@dataclass(frozen=True)
class Pin:
    """One pinned line of a lock."""

    name: NormalizedName
    #: None when the line pins no single version (not written by `make lock`).
    version: Version | None
    hashes: int
    #: The ranges files the lock says ask for it directly (`# via -r FILE`), resolved.
    asked_by: frozenset[Path]


def read_ranges(path: Path) -> Ranges:
    """Read a ranges file and, recursively, the files it includes with `-r`.

    `-c` constraint lines and other options are not ranges and are skipped.
    """
    requirements: dict[NormalizedName, list[Requirement]] = {}
    files: dict[Path, set[NormalizedName]] = {}
    pending = [path.resolve()]
    while pending:
        current = pending.pop()
        if current in files:
            continue
        names = files.setdefault(current, set())
        for raw in current.read_text().splitlines():
            line = raw.split(" #")[0].strip()
            if line.startswith("-r "):
                pending.append((current.parent / line[3:].strip()).resolve())
            elif line and not line.startswith(("#", "-")):
                requirement = Requirement(line)
                name = canonicalize_name(requirement.name)
                requirements.setdefault(name, []).append(requirement)
                names.add(name)
    return Ranges(requirements, files)


def read_lock(path: Path, *, root: Path) -> list[Pin]:
    """Read the pins of a lock written by `uv pip compile --generate-hashes`.

    Args:
        path: The lock.
        root: The folder `make lock` runs in: `# via -r FILE` paths are relative to it.
    """
    pins: list[Pin] = []
    entry: list[str] = []
    via: list[str] = []

    def close() -> None:
        if not entry:
            return
        text = " ".join(part.rstrip("\\").strip() for part in entry)
        words = text.split()
        hashes = sum(1 for word in words if word.startswith("--hash="))
        requirement = Requirement(
            " ".join(word for word in words if not word.startswith("--"))
        )
        exact = [
            spec.version for spec in requirement.specifier if spec.operator == "=="
        ]
        asked_by = frozenset(
            (root / source[3:].strip()).resolve()
            for source in via
            if source.startswith("-r ")
        )
        pins.append(
            Pin(
                canonicalize_name(requirement.name),
                Version(exact[0]) if len(exact) == 1 else None,
                hashes,
                asked_by,
            )
        )
        entry.clear()
        via.clear()

    for line in path.read_text().splitlines():
        stripped = line.strip()
        if line and not line[0].isspace() and not line.startswith("#"):
            close()
            entry.append(line)
        elif stripped.startswith("--hash=") and entry:
            entry.append(stripped)
        elif stripped.startswith("# via") and entry:
            rest = stripped[len("# via") :].strip()
            via.extend([rest] if rest else [])
        elif stripped.startswith("#   ") and entry:
            via.append(stripped[1:].strip())
    close()
    return pins


def versions(pins: Sequence[Pin]) -> dict[NormalizedName, set[Version]]:
    """The versions pinned for each package (a universal lock may fork on a marker)."""
    found: dict[NormalizedName, set[Version]] = {}
    for pin in pins:
        if pin.version is not None:
            found.setdefault(pin.name, set()).add(pin.version)
    return found


def shown(path: Path, root: Path) -> str:
    """A path as `make lock` writes it: relative to the root when it is inside."""
    return str(path.relative_to(root) if path.is_relative_to(root) else path)


def check_lock(ranges_path: Path, lock_path: Path, *, root: Path) -> list[str]:
    """The ways one lock no longer matches its ranges: empty when it matches."""
    ranges = read_ranges(ranges_path)
    pins = read_lock(lock_path, root=root)
    pinned = versions(pins)
    problems: list[str] = []
    listed = {pin.name for pin in pins}
    for name, requirements in sorted(ranges.requirements.items()):
        for requirement in requirements:
            if name not in listed:
                problems.append(
                    f"{ranges_path} asks for {requirement}, "
                    f"but {lock_path} has no {name}"
                )
                continue
            outside = [
                str(version)
                for version in sorted(pinned.get(name, set()))
                if not requirement.specifier.contains(version, prereleases=True)
            ]
            if outside:
                problems.append(
                    f"{ranges_path} asks for {requirement}, "
                    f"but {lock_path} pins {name}=={', '.join(outside)}"
                )
    for pin in pins:
        for source in sorted(pin.asked_by):
            if pin.name not in ranges.files.get(source, set()):
                problems.append(
                    f"{lock_path} pins {pin.name} for {shown(source, root)}, "
                    f"which no longer asks for it"
                )
        if pin.version is None:
            problems.append(f"{lock_path} does not pin {pin.name} to one version")
        if not pin.hashes:
            problems.append(f"{lock_path} pins {pin.name} without a hash")
    return problems


def check_agreement(
    included: tuple[Path, Path], including: tuple[Path, Path], *, root: Path
) -> list[str]:
    """The packages a lock pins otherwise than a lock whose ranges it includes."""
    (_, included_lock), (_, including_lock) = included, including
    theirs = versions(read_lock(included_lock, root=root))
    ours = versions(read_lock(including_lock, root=root))
    return [
        f"{including_lock} pins {name}=="
        f"{', '.join(sorted(map(str, ours.get(name, set())))) or '(nothing)'}, "
        f"{included_lock} pins {name}=={', '.join(sorted(map(str, pinned)))}"
        for name, pinned in sorted(theirs.items())
        if ours.get(name) != pinned
    ]


def check_locks(pairs: Sequence[tuple[Path, Path]], *, root: Path) -> list[str]:
    """Every problem of every (ranges, lock) pair, and of the pairs taken together."""
    problems = [
        problem
        for ranges, lock in pairs
        for problem in check_lock(ranges, lock, root=root)
    ]
    files = {pair: set(read_ranges(pair[0]).files) for pair in pairs}
    for included in pairs:
        for including in pairs:
            if including != included and included[0].resolve() in files[including]:
                problems.extend(check_agreement(included, including, root=root))
    return problems


def main(argv: Sequence[str]) -> int:
    """Check the `RANGES=LOCK` pairs given; print what is wrong; 1 if anything is."""
    pairs = []
    for argument in argv:
        ranges, _, lock = argument.partition("=")
        if not lock:
            print(
                f"check_locks: error: expected RANGES=LOCK, got {argument}",
                file=sys.stderr,
            )
            return 2
        pairs.append((Path(ranges), Path(lock)))
    problems = check_locks(pairs, root=Path.cwd())
    for problem in problems:
        print(f"check_locks: {problem}", file=sys.stderr)
    if problems:
        print(
            "check_locks: run `make lock`, then commit the ranges and the locks",
            file=sys.stderr,
        )
        return 1
    print(f"check_locks: {len(pairs)} locks match their ranges")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

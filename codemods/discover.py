"""Which files a run looks at: what git lists (so .gitignore holds), never a link out of the root."""

from __future__ import annotations

import os
import subprocess
from dataclasses import dataclass, field

from .config import Config

# like ruff's defaults, for folders that are not in a git repository
DEFAULT_EXCLUDED_DIRS = {
    ".git", ".hg", ".svn", ".bzr", ".venv", "venv", ".tox", ".nox", ".mypy_cache", ".pytest_cache",
    ".ruff_cache", ".codemod-cache", "__pycache__", "node_modules", "build", "dist", "site-packages",
    "__pypackages__", ".eggs",
}


@dataclass
class Discovered:
    root: str  # absolute, real path
    files: list[str] = field(default_factory=list)  # repo-relative POSIX paths, sorted
    notices: list[tuple[str, str]] = field(default_factory=list)  # (path, why it was passed over)
    missing: list[tuple[str, str]] = field(default_factory=list)  # (path, error) for named paths that do not exist
    in_git: bool = False


def find_root(start: str) -> tuple[str, bool]:
    """The git work tree containing ``start``, else the nearest folder with a pyproject.toml, else ``start``."""
    start = os.path.realpath(start)
    folder = start if os.path.isdir(start) else os.path.dirname(start)
    try:
        out = subprocess.run(
            ["git", "rev-parse", "--show-toplevel"], cwd=folder, capture_output=True, text=True, check=True
        )
        return os.path.realpath(out.stdout.strip()), True
    except (subprocess.CalledProcessError, FileNotFoundError):
        pass
    probe = folder
    while True:
        if os.path.isfile(os.path.join(probe, "pyproject.toml")):
            return probe, False
        parent = os.path.dirname(probe)
        if parent == probe:
            return folder, False
        probe = parent


def discover(root: str, paths: list[str], config: Config, in_git: bool) -> Discovered:
    result = Discovered(root=root, in_git=in_git)
    explicit: set[str] = set()
    wanted_dirs: list[str] = []
    for p in paths:
        real = os.path.realpath(p)
        if not os.path.exists(p):
            result.missing.append((p, "no such file or directory"))
            continue
        if real != root and not real.startswith(root + os.sep):
            result.missing.append((p, f"outside the repository root {root}"))
            continue
        rel = os.path.relpath(real, root).replace(os.sep, "/")
        if os.path.isfile(real):
            explicit.add(rel)
        else:
            wanted_dirs.append("" if rel == "." else rel)
    candidates: set[str] = set()
    if wanted_dirs:
        listed = _git_files(root, wanted_dirs) if in_git else _walk_files(root, wanted_dirs)
        candidates.update(p for p in listed if config.is_included(p))
    # files named on the command line are taken even if ignored, as ruff and black do; exclude still holds
    candidates.update(p for p in explicit if not config.is_excluded(p))
    for rel in sorted(candidates):
        full = os.path.join(root, rel)
        if os.path.islink(full):
            target = os.path.realpath(full)
            if target != root and not target.startswith(root + os.sep):
                result.notices.append((rel, "symbolic link pointing out of the repository: not followed"))
            else:
                result.notices.append((rel, "symbolic link: not rewritten (the file it points to is processed on its own)"))
            continue
        if in_git and not os.path.lexists(full):
            result.missing.append((rel, "listed by git but missing from the working tree"))
            continue
        if os.path.isdir(full):  # a submodule
            continue
        result.files.append(rel)
    return result


class DiscoverError(Exception):
    """The files cannot be listed (git refuses the repository, say): the run cannot start."""


def _git_files(root: str, dirs: list[str]) -> list[str]:
    args = ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard", "--deduplicate", "--"]
    args += [d or "." for d in dirs]
    proc = subprocess.run(args, cwd=root, capture_output=True)
    if proc.returncode != 0:
        why = proc.stderr.decode("utf-8", "replace").strip().splitlines()
        raise DiscoverError(f"`git ls-files` failed in {root}: {why[0] if why else f'exit {proc.returncode}'}")
    return sorted({p.decode("utf-8", "surrogateescape") for p in proc.stdout.split(b"\0") if p})


def _walk_files(root: str, dirs: list[str]) -> list[str]:
    found: list[str] = []
    cut = len(root) + len(os.sep)
    for d in dirs:
        top = os.path.join(root, d) if d else root
        for folder, subdirs, files in os.walk(top, followlinks=False):
            subdirs[:] = sorted(s for s in subdirs if s not in DEFAULT_EXCLUDED_DIRS and not s.endswith(".egg-info"))
            prefix = folder[cut:].replace(os.sep, "/") + "/" if folder != root else ""
            found.extend(prefix + name for name in files)
    return sorted(set(found))


def module_name(relpath: str, package_dirs: set[str]) -> tuple[str, bool]:
    """Dotted module name of a repo-relative path, from the chain of folders holding an __init__.py.

    ``src/pkg/sub/mod.py`` with ``src/pkg/__init__.py`` and ``src/pkg/sub/__init__.py`` is ``pkg.sub.mod``.
    """
    parts = relpath[:-3].split("/") if relpath.endswith(".py") else relpath.split("/")
    is_package = parts[-1] == "__init__"
    if is_package:
        parts = parts[:-1]
    # walk up while the folder is a package
    i = len(parts) - 1 if not is_package else len(parts)
    # parts[:i] are folders; find the first folder (from the top of the chain) that is a package
    start = i
    while start > 0 and "/".join(parts[:start]) in package_dirs:
        start -= 1
    return ".".join(parts[start:]), is_package

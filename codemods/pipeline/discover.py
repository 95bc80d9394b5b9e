"""Phase 1, discover: which files the run looks at, read once.

``find`` lists the files under the paths given (what ``git ls-files`` lists in a repository, so that
``.gitignore`` holds; ``[tool.codemod]`` include/exclude), and, when a cross-file transform runs, every
file of the repository besides: a caller in ``tests/`` is still a caller. ``read`` reads each file once;
what is indexed, rewritten and diffed is exactly these bytes. A caller with text that is not on disk
(standard input, an editor buffer) builds the :class:`Workspace` with :meth:`Workspace.from_sources`.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import Any, Iterable, Mapping, Sequence

from ..changeset import FileError
from ..config import Config
from ..discover import discover as list_files
from ..discover import find_root, module_name
from .items import SourceFile


@dataclass
class Found:
    """The files a run will read: ``scope`` (the user asked to process them) and the rest it reads for
    references only."""

    root: str
    in_git: bool
    scope: frozenset[str]
    files: list[str]  # sorted; scope and the files read for references
    errors: list[FileError] = field(default_factory=list)
    notices: list[FileError] = field(default_factory=list)
    named: frozenset[str] = frozenset()  # files named on the command line (not folders)


@dataclass
class Workspace:
    """What every later phase works on: the run's files, read, with their module names."""

    root: str
    in_git: bool
    scope: frozenset[str]  # repository-relative paths the run may change
    files: dict[str, SourceFile]  # every file read, by path
    errors: list[FileError] = field(default_factory=list)  # files that could not be listed or read
    notices: list[FileError] = field(default_factory=list)
    named: frozenset[str] = frozenset()  # files the user named: always parsed, so that their errors show
    # transform name -> files of the scope it must leave unedited (per-file-ignores, a transform's exclude)
    ignored: Mapping[str, frozenset[str]] = field(default_factory=dict)

    def editable_by(self, transform, rel: str) -> bool:
        """Whether ``transform`` may edit ``rel``: in the scope and not ignored for it."""
        return rel in self.scope and rel not in self.ignored.get(getattr(transform, "name", ""), ())

    def ignore(self, config: Config, transforms: Iterable[Any]) -> None:
        """Set :attr:`ignored` from the configuration's per-file-ignores and per-transform excludes."""
        ignored = {}
        for t in transforms:
            paths = frozenset(p for p in self.scope if config.ignores(t.name, p))
            if paths:
                ignored[t.name] = paths
        self.ignored = ignored

    @property
    def contents(self) -> dict[str, bytes]:
        return {p: f.data for p, f in self.files.items()}

    @property
    def whole(self) -> bool:
        """Every file read may be changed (no file is read for references only)."""
        return len(self.scope) == len(self.files) and self.scope.issuperset(self.files)

    @classmethod
    def from_sources(
        cls, root: str, sources: Mapping[str, bytes], scope: Iterable[str] | None = None, in_git: bool = False
    ) -> "Workspace":
        """A workspace over given bytes (standard input, an editor's buffers) instead of files on disk."""
        root = os.path.realpath(root)
        modules = _modules(root, sources)
        files = {p: SourceFile(p, *modules[p], data) for p, data in sorted(sources.items())}
        return cls(root, in_git, frozenset(files if scope is None else scope), files)


def locate(paths: Sequence[str], root: str | None) -> tuple[str, bool]:
    """The repository root and whether it is a git work tree."""
    if root is None:
        return find_root(paths[0] if paths else ".")
    root = os.path.realpath(root)
    return root, os.path.exists(os.path.join(root, ".git"))


def find(paths: Sequence[str], config: Config, root: str, in_git: bool, whole_repository: bool) -> Found:
    """The files under ``paths``; with ``whole_repository``, every file of the repository besides."""
    listed = list_files(root, list(paths) or [root], config, in_git)
    scope = frozenset(listed.files)
    files = set(listed.files)
    if whole_repository and not all(os.path.realpath(p) == root for p in paths or [root]):
        everything = list_files(root, [root], config, in_git)
        files |= set(everything.files)
    named = frozenset(
        rel for rel in (os.path.relpath(os.path.realpath(p), root).replace(os.sep, "/") for p in paths if os.path.isfile(p))
        if rel in scope
    )
    return Found(
        root, in_git, scope, sorted(files),
        errors=[FileError(p, m) for p, m in listed.missing],
        notices=[FileError(p, m, "notice") for p, m in listed.notices],
        named=named,
    )


def read(found: Found) -> Workspace:
    """Read every file once; a file that vanished or cannot be read is an error, and the run goes on."""
    contents: dict[str, bytes] = {}
    errors = list(found.errors)
    for rel in found.files:
        try:
            with open(os.path.join(found.root, rel), "rb") as fh:
                contents[rel] = fh.read()
        except FileNotFoundError:
            errors.append(FileError(rel, "vanished during the run (deleted before it could be read)"))
        except OSError as exc:
            errors.append(FileError(rel, f"cannot be read: {exc.strerror or exc}"))
    modules = _modules(found.root, contents)
    files = {rel: SourceFile(rel, *modules[rel], data) for rel, data in contents.items()}
    return Workspace(found.root, found.in_git, found.scope, files, errors, list(found.notices), found.named & set(files))


def _modules(root: str, contents: Mapping[str, bytes]) -> dict[str, tuple[str, bool]]:
    package_dirs = _package_dirs(root, contents)
    return {rel: module_name(rel, package_dirs) for rel in contents}


def _package_dirs(root: str, contents: Mapping[str, bytes]) -> set[str]:
    dirs = {rel.rsplit("/", 1)[0] for rel in contents if "/" in rel}
    # every ancestor folder too, so that a package's parents are checked
    for d in list(dirs):
        parts = d.split("/")
        dirs.update("/".join(parts[:i]) for i in range(1, len(parts)))
    return {d for d in dirs if (d + "/__init__.py") in contents or os.path.isfile(os.path.join(root, d, "__init__.py"))}

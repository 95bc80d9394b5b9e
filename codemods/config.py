"""`[tool.codemod]` in the target repository's pyproject.toml.

```toml
[tool.codemod]
select = ["await-free", "lock-await"]   # what `codemod apply` runs when no --transform is given
include = ["*.py"]                      # file globs (default: *.py)
exclude = ["tests/fixtures/*"]          # globs on repo-relative paths or any of their folders
jobs = 4
unsafe-fixes = false                    # true: blanket runs apply unsafe fixes too (as --unsafe-fixes)

[tool.codemod.await-free]               # per-transform options (see `codemod explain NAME`)
include-public = true
```

Command-line options win over the file.
"""

from __future__ import annotations

import fnmatch
import os
import sys
from dataclasses import dataclass, field
from typing import Any

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib


class ConfigError(Exception):
    pass


TOP_LEVEL_KEYS = {"select", "include", "exclude", "extend-exclude", "jobs", "unsafe-fixes"}


@dataclass
class Config:
    select: list[str] = field(default_factory=list)
    include: list[str] = field(default_factory=lambda: ["*.py"])
    exclude: list[str] = field(default_factory=list)
    jobs: int | None = None
    unsafe_fixes: bool | None = None  # None: only the transforms named on the command line apply unsafe fixes
    transform_options: dict[str, dict[str, Any]] = field(default_factory=dict)
    pr: dict[str, Any] = field(default_factory=dict)  # [tool.codemod.pr], parsed by codemods.deliver.pr
    source: str | None = None  # the pyproject.toml it came from

    def is_included(self, relpath: str) -> bool:
        name = relpath.rsplit("/", 1)[-1]
        if not any(fnmatch.fnmatch(name, pat) or fnmatch.fnmatch(relpath, pat) for pat in self.include):
            return False
        return not self.is_excluded(relpath)

    def is_excluded(self, relpath: str) -> bool:
        parts = relpath.split("/")
        prefixes = ["/".join(parts[: i + 1]) for i in range(len(parts))]
        for pat in self.exclude:
            pat = pat.rstrip("/")
            if any(fnmatch.fnmatch(p, pat) for p in prefixes) or any(fnmatch.fnmatch(p, pat) for p in parts):
                return True
        return False


def load(root: str, known_transforms: set[str]) -> Config:
    path = os.path.join(root, "pyproject.toml")
    if not os.path.isfile(path):
        return Config()
    try:
        with open(path, "rb") as fh:
            data = tomllib.load(fh)
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise ConfigError(f"{path}: {exc}") from None
    section = data.get("tool", {}).get("codemod", {})
    if not isinstance(section, dict):
        raise ConfigError(f"{path}: [tool.codemod] must be a table")
    cfg = Config(source=path)
    for key, value in section.items():
        if key == "pr" and isinstance(value, dict):  # the bot's table (codemods.deliver.pr.settings checks it)
            cfg.pr = dict(value)
            continue
        if isinstance(value, dict):
            if key not in known_transforms:
                raise ConfigError(
                    f"{path}: [tool.codemod.{key}]: no transform named {key!r} "
                    f"(known: {', '.join(sorted(known_transforms))})"
                )
            cfg.transform_options[key] = dict(value)
            continue
        if key not in TOP_LEVEL_KEYS:
            raise ConfigError(f"{path}: [tool.codemod]: unknown key {key!r} (known: {', '.join(sorted(TOP_LEVEL_KEYS))})")
        if key == "jobs":
            if not isinstance(value, int) or value < 1:
                raise ConfigError(f"{path}: [tool.codemod] jobs must be a positive integer")
            cfg.jobs = value
            continue
        if key == "unsafe-fixes":
            if not isinstance(value, bool):
                raise ConfigError(f"{path}: [tool.codemod] unsafe-fixes must be true or false")
            cfg.unsafe_fixes = value
            continue
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise ConfigError(f"{path}: [tool.codemod] {key} must be a list of strings")
        if key == "select":
            unknown = [v for v in value if v not in known_transforms and v != "all"]
            if unknown:
                raise ConfigError(f"{path}: [tool.codemod] select: unknown transform(s) {', '.join(unknown)}")
            cfg.select = value
        elif key == "include":
            cfg.include = value
        else:
            cfg.exclude.extend(value)
    return cfg

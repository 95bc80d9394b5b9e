"""`[tool.codemod]` in the target repository's pyproject.toml.

```toml
[tool.codemod]
select = ["await-free", "lock-await"]   # what `codemod apply` runs when no --transform is given
include = ["*.py"]                      # file globs (default: *.py)
exclude = ["tests/fixtures/*"]          # globs on repo-relative paths or any of their folders
jobs = 4
unsafe-fixes = false                    # true: blanket runs apply unsafe fixes too (as --unsafe-fixes)

[tool.codemod.per-file-ignores]          # globs -> transforms that leave those files alone ("all": every one)
"tests/*" = ["task-guard"]

[tool.codemod.await-free]               # per-transform options (see `codemod explain NAME`)
include-public = true
exclude = ["legacy/*"]                  # files this transform leaves alone (it still reads them)
```

Command-line options win over the file. ``--config FILE`` reads another file: a pyproject.toml, or a
``codemod.toml`` whose top level is this table.
"""

from __future__ import annotations

import difflib
import fnmatch
import json
import os
import sys
from dataclasses import dataclass, field
from typing import Any, Iterable, Mapping

from .model import SEVERITIES

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib


class ConfigError(Exception):
    pass


# -- typed transform options -----------------------------------------------------------------------

TRUE_WORDS = ("true", "yes", "on", "1")
FALSE_WORDS = ("false", "no", "off", "0")


def expected_type(default: Any) -> str:
    """What an option with this default takes, as a usage error names it."""
    if isinstance(default, bool):
        return "a boolean (true/false, yes/no, on/off, 1/0)"
    if isinstance(default, int):
        return "an integer"
    if isinstance(default, float):
        return "a number"
    if isinstance(default, (list, tuple)):
        return "a list of strings (JSON, or comma-separated)"
    if isinstance(default, dict):
        return "a table (a JSON object)"
    if default is None:
        return "a string (or none)"
    return "a string"


def parse_option_value(raw: str, default: Any) -> Any:
    """A command-line option value (``--option NAME.KEY=VALUE``), typed by the option's default.
    Raises ValueError naming the expected type."""
    word = raw.strip().lower()
    if isinstance(default, bool):
        if word in TRUE_WORDS:
            return True
        if word in FALSE_WORDS:
            return False
        raise ValueError(f"expected {expected_type(default)}, got {raw!r}")
    if isinstance(default, (int, float)):
        try:
            value = json.loads(raw)
        except json.JSONDecodeError:
            value = None
        if isinstance(value, bool) or not isinstance(value, (int, float)) or (
            isinstance(default, int) and not isinstance(value, int)
        ):
            raise ValueError(f"expected {expected_type(default)}, got {raw!r}")
        return value
    if isinstance(default, (list, tuple)):
        if raw.strip().startswith("["):
            try:
                value = json.loads(raw)
            except json.JSONDecodeError as exc:
                raise ValueError(f"expected {expected_type(default)}, got {raw!r} ({exc.msg})") from None
        else:
            value = [part.strip() for part in raw.split(",") if part.strip()]
        check_option_type(value, default)
        return value
    if isinstance(default, dict):
        try:
            value = json.loads(raw)
        except json.JSONDecodeError:
            value = None
        check_option_type(value, default)
        return value
    if default is None and word in ("none", "null", ""):
        return None
    return raw


def check_option_type(value: Any, default: Any) -> None:
    """A configured value (from TOML, already typed) must have its default's type; ValueError if not."""
    expected = expected_type(default)
    if isinstance(default, bool):
        ok = isinstance(value, bool)
    elif isinstance(default, int):
        ok = isinstance(value, int) and not isinstance(value, bool)
    elif isinstance(default, float):
        ok = isinstance(value, (int, float)) and not isinstance(value, bool)
    elif isinstance(default, (list, tuple)):
        ok = isinstance(value, list) and all(isinstance(v, str) for v in value)
    elif isinstance(default, dict):
        ok = isinstance(value, dict)
    elif default is None:
        ok = value is None or isinstance(value, str)
    else:
        ok = isinstance(value, str)
    if not ok:
        raise ValueError(f"expected {expected}, got {json.dumps(value) if _jsonable(value) else repr(value)}")


def _jsonable(value: Any) -> bool:
    try:
        json.dumps(value)
    except (TypeError, ValueError):
        return False
    return True


def did_you_mean(word: str, candidates: Iterable[str]) -> str:
    """`` (did you mean 'lock-await'?)`` for a near miss, else ``""``. Spellings that differ only in
    case, ``-``/``_`` or a missing separator (``lockawait``, ``lock_await``) always match."""
    candidates = sorted(set(candidates))

    def norm(s: str) -> str:
        return s.lower().replace("-", "").replace("_", "")

    exact = [c for c in candidates if norm(c) == norm(word)]
    close = exact or difflib.get_close_matches(word.lower().replace("_", "-"), candidates, n=1, cutoff=0.6)
    return f" (did you mean {close[0]!r}?)" if close else ""


TOP_LEVEL_KEYS = {"select", "include", "exclude", "extend-exclude", "jobs", "unsafe-fixes", "per-file-ignores"}
TRANSFORM_KEYS = {"exclude"}  # keys of a transform's table that are not its options


def _matches(relpath: str, patterns: Iterable[str]) -> bool:
    """A glob matches the path, any of its leading folders, or any one of its parts (``tests``)."""
    parts = relpath.split("/")
    prefixes = ["/".join(parts[: i + 1]) for i in range(len(parts))]
    for pat in patterns:
        pat = pat.rstrip("/")
        if any(fnmatch.fnmatch(p, pat) for p in prefixes) or any(fnmatch.fnmatch(p, pat) for p in parts):
            return True
    return False


@dataclass
class Config:
    select: list[str] = field(default_factory=list)
    include: list[str] = field(default_factory=lambda: ["*.py"])
    exclude: list[str] = field(default_factory=list)
    jobs: int | None = None
    unsafe_fixes: bool | None = None  # None: only the transforms named on the command line apply unsafe fixes
    transform_options: dict[str, dict[str, Any]] = field(default_factory=dict)
    pr: dict[str, Any] = field(default_factory=dict)  # [tool.codemod.pr], parsed by codemods.deliver.pr
    audit: dict[str, Any] = field(default_factory=dict)  # [tool.codemod.audit], checked by check_audit_table
    # glob -> transforms that must not edit the files it matches (ruff's per-file-ignores); "all": every one
    per_file_ignores: dict[str, list[str]] = field(default_factory=dict)
    transform_exclude: dict[str, list[str]] = field(default_factory=dict)  # [tool.codemod.NAME] exclude
    source: str | None = None  # the file it came from

    def is_included(self, relpath: str) -> bool:
        name = relpath.rsplit("/", 1)[-1]
        if not any(fnmatch.fnmatch(name, pat) or fnmatch.fnmatch(relpath, pat) for pat in self.include):
            return False
        return not self.is_excluded(relpath)

    def is_excluded(self, relpath: str) -> bool:
        return _matches(relpath, self.exclude)

    def ignores(self, transform: str, relpath: str) -> bool:
        """Whether ``transform`` must leave ``relpath`` unedited (per-file-ignores, its own exclude).
        Cross-file transforms still read the file for references."""
        if _matches(relpath, self.transform_exclude.get(transform, ())):
            return True
        return any(
            (transform in names or "all" in names) and _matches(relpath, [glob])
            for glob, names in self.per_file_ignores.items()
        )


CONFIG_FILE_NAMES = ("pyproject.toml", "codemod.toml")

# [tool.codemod.audit]: the audit's defaults, each one a command-line option of `codemod audit` (which wins)
AUDIT_KEYS = {"select": list, "ignore": list, "fail-on": str, "baseline": str, "format": str}


def check_audit_table(table: Mapping[str, Any], fail) -> dict[str, Any]:
    """``[tool.codemod.audit]`` checked: known keys, values of the right type (``fail-on`` a severity)."""
    out: dict[str, Any] = {}
    for key, value in table.items():
        kind = AUDIT_KEYS.get(key)
        if kind is None:
            raise fail(f"[tool.codemod.audit]: unknown key {key!r}{did_you_mean(key, set(AUDIT_KEYS))} "
                       f"(known: {', '.join(sorted(AUDIT_KEYS))})")
        if kind is list and isinstance(value, str):
            value = [value]
        if kind is list and not (isinstance(value, list) and all(isinstance(v, str) for v in value)):
            raise fail(f"[tool.codemod.audit] {key} must be a list of strings")
        if kind is str and not isinstance(value, str):
            raise fail(f"[tool.codemod.audit] {key} must be a string")
        if key == "fail-on" and value not in SEVERITIES:
            raise fail(f"[tool.codemod.audit] fail-on must be one of {', '.join(SEVERITIES)}, not {value!r}")
        out[key] = value
    return out


def load(root: str, known_transforms: Iterable[str] | Mapping[str, Any], path: str | None = None) -> Config:
    """The configuration for a run at ``root``: ``path`` (a pyproject.toml, whose ``[tool.codemod]`` is
    read, or any other TOML file such as ``codemod.toml``, read whole as that table), else the root's
    pyproject.toml. ``known_transforms``: names, or names -> transform classes (their options are then
    checked: unknown keys and values of the wrong type are errors). Raises ConfigError."""
    explicit = path is not None
    path = path if explicit else os.path.join(root, "pyproject.toml")
    if not os.path.isfile(path):
        if explicit:
            raise ConfigError(f"{path}: no such file")
        return Config()
    try:
        with open(path, "rb") as fh:
            data = tomllib.load(fh)
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise ConfigError(f"{path}: {exc}") from None
    if os.path.basename(path) == "pyproject.toml":
        section, where = data.get("tool", {}).get("codemod", {}), "[tool.codemod]"
    else:
        section, where = data.get("tool", {}).get("codemod", data), os.path.basename(path)
    if not isinstance(section, dict):
        raise ConfigError(f"{path}: {where} must be a table")
    classes = known_transforms if isinstance(known_transforms, Mapping) else None
    known = set(known_transforms)
    cfg = Config(source=path)

    def fail(message: str) -> ConfigError:
        return ConfigError(f"{path}: {message}")

    def str_list(key: str, value: Any, table: str = where) -> list[str]:
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise fail(f"{table} {key} must be a list of strings")
        return value

    for key, value in section.items():
        if key == "pr" and isinstance(value, dict):  # the bot's table (codemods.deliver.pr.Settings checks it)
            cfg.pr = dict(value)
            continue
        if key == "audit" and isinstance(value, dict):
            cfg.audit = check_audit_table(value, fail)
            continue
        if key == "per-file-ignores":
            if not isinstance(value, dict):
                raise fail(f"{where} per-file-ignores must be a table of glob = [transforms]")
            for glob, names in value.items():
                names = str_list(f"per-file-ignores {glob!r}", names)
                unknown = [n for n in names if n not in known and n != "all"]
                if unknown:
                    raise fail(f"{where} per-file-ignores {glob!r}: no transform named {unknown[0]!r}"
                               f"{did_you_mean(unknown[0], known)}")
                cfg.per_file_ignores[glob] = names
            continue
        if isinstance(value, dict):
            if key not in known:
                raise fail(f"[tool.codemod.{key}]: no transform named {key!r}{did_you_mean(key, known | TOP_LEVEL_KEYS)} "
                           f"(known: {', '.join(sorted(known))})")
            options = dict(value)
            if "exclude" in options:
                cfg.transform_exclude[key] = str_list("exclude", options.pop("exclude"), f"[tool.codemod.{key}]")
            if classes is not None:
                defaults = dict(getattr(classes[key], "option_defaults", {}))
                for opt, v in options.items():
                    if opt not in defaults:
                        raise fail(f"[tool.codemod.{key}]: unknown option {opt!r}"
                                   f"{did_you_mean(opt, set(defaults) | TRANSFORM_KEYS)} "
                                   f"(known: {', '.join(sorted(set(defaults) | TRANSFORM_KEYS))})")
                    try:
                        check_option_type(v, defaults[opt])
                    except ValueError as exc:
                        raise fail(f"[tool.codemod.{key}] {opt}: {exc}") from None
            cfg.transform_options[key] = options
            continue
        if key not in TOP_LEVEL_KEYS:
            raise fail(f"{where}: unknown key {key!r}{did_you_mean(key, TOP_LEVEL_KEYS)} "
                       f"(known: {', '.join(sorted(TOP_LEVEL_KEYS))})")
        if key == "jobs":
            if not isinstance(value, int) or isinstance(value, bool) or value < 1:
                raise fail(f"{where} jobs must be a positive integer")
            cfg.jobs = value
            continue
        if key == "unsafe-fixes":
            if not isinstance(value, bool):
                raise fail(f"{where} unsafe-fixes must be true or false")
            cfg.unsafe_fixes = value
            continue
        value = str_list(key, value)
        if key == "select":
            unknown = [v for v in value if v not in known and v != "all"]
            if unknown:
                raise fail(f"{where} select: no transform named {unknown[0]!r}{did_you_mean(unknown[0], known)}")
            cfg.select = value
        elif key == "include":
            cfg.include = value
        else:
            cfg.exclude.extend(value)
    return cfg

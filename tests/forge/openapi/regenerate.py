"""Regenerate (or check) the vendored subset of GitHub's REST API description the forge tests use.

The full description (``generated/api.github.com.json`` of the npm package ``@octokit/openapi``, 13 MB) is
pruned to the operations ``codemod pr`` calls and every component they reference, transitively. Each
operation and component is copied verbatim, and its SHA-256 (of its canonical JSON) is recorded with the
package's version and the full file's SHA-256, so the tests can tell that nothing was edited by hand.

    python tests/forge/openapi/regenerate.py            # download the pinned package with npm, rewrite
    python tests/forge/openapi/regenerate.py --check    # exit 1 when the vendored subset is not what
                                                          # the pinned package gives (CI runs this)
    python tests/forge/openapi/regenerate.py --source path/to/api.github.com.json

Bump ``PACKAGE_VERSION`` to move to a newer description.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

PACKAGE = "@octokit/openapi"
PACKAGE_VERSION = "23.0.2"
MEMBER = "package/generated/api.github.com.json"
HERE = Path(__file__).resolve().parent
SUBSET = HERE / "github-subset.json"

# (path, method) of every operation the client sends (codemods/deliver/forge/github.py)
OPERATIONS = [
    ("/repos/{owner}/{repo}/pulls", "get"),  # pulls/list
    ("/repos/{owner}/{repo}/pulls", "post"),  # pulls/create
    ("/repos/{owner}/{repo}/pulls/{pull_number}", "patch"),  # pulls/update
    ("/repos/{owner}/{repo}/pulls/{pull_number}/requested_reviewers", "post"),  # pulls/request-reviewers
    ("/repos/{owner}/{repo}/issues/{issue_number}/comments", "get"),  # issues/list-comments
    ("/repos/{owner}/{repo}/issues/{issue_number}/comments", "post"),  # issues/create-comment
    ("/repos/{owner}/{repo}/issues/{issue_number}/labels", "post"),  # issues/add-labels
]
# what GitHub answers on any operation (bad token, rate limit, server error): validated against this
EXTRA_COMPONENTS = ["#/components/schemas/basic-error"]


def digest(value) -> str:
    return hashlib.sha256(json.dumps(value, sort_keys=True, separators=(",", ":")).encode()).hexdigest()


def _refs(value, found: set[str]) -> None:
    if isinstance(value, dict):
        ref = value.get("$ref")
        if isinstance(ref, str):
            found.add(ref)
        for v in value.values():
            _refs(v, found)
    elif isinstance(value, list):
        for v in value:
            _refs(v, found)


def resolve(doc: dict, ref: str):
    assert ref.startswith("#/"), ref
    node = doc
    for part in ref[2:].split("/"):
        node = node[part.replace("~1", "/").replace("~0", "~")]
    return node


def prune(full: dict, full_sha256: str) -> dict:
    paths: dict[str, dict] = {}
    pending: set[str] = set(EXTRA_COMPONENTS)
    for path, method in OPERATIONS:
        item = full["paths"][path]
        kept = paths.setdefault(path, {k: v for k, v in item.items() if k not in {"get", "post", "put", "patch", "delete", "head", "options", "trace"}})
        kept[method] = item[method]
        _refs(kept, pending)
    components: dict[str, dict] = {}
    seen: set[str] = set()
    while pending:
        ref = pending.pop()
        if ref in seen:
            continue
        seen.add(ref)
        _, _, kind, name = ref.split("/", 3)
        value = resolve(full, ref)
        components.setdefault(kind, {})[name] = value
        _refs(value, pending)
    components = {kind: dict(sorted(items.items())) for kind, items in sorted(components.items())}
    return {
        "openapi": full["openapi"],
        "info": full["info"],
        "servers": full.get("servers", []),
        "x-codemods-subset": {
            "package": PACKAGE,
            "version": PACKAGE_VERSION,
            "file": MEMBER.removeprefix("package/"),
            "sha256": full_sha256,
            "operations": [f"{method.upper()} {path}" for path, method in OPERATIONS],
            "digests": {
                **{f"{method.upper()} {path}": digest(full["paths"][path][method]) for path, method in OPERATIONS},
                **{f"#/components/{kind}/{name}": digest(v) for kind, items in components.items() for name, v in items.items()},
            },
        },
        "paths": paths,
        "components": components,
    }


def download() -> bytes:
    with tempfile.TemporaryDirectory() as tmp:
        subprocess.run(["npm", "pack", "--silent", f"{PACKAGE}@{PACKAGE_VERSION}", "--pack-destination", tmp],
                       check=True, stdout=subprocess.DEVNULL)
        tgz = next(Path(tmp).glob("*.tgz"))
        with tarfile.open(tgz) as tar:
            member = tar.extractfile(MEMBER)
            assert member is not None
            return member.read()


def render(subset: dict) -> str:
    return json.dumps(subset, indent=1, ensure_ascii=False) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="compare with the vendored subset, write nothing")
    parser.add_argument("--source", type=Path, help="an api.github.com.json already on disk (of the pinned version)")
    args = parser.parse_args(argv)
    try:
        raw = args.source.read_bytes() if args.source else download()
    except (OSError, subprocess.CalledProcessError) as exc:
        print(f"cannot get {PACKAGE}@{PACKAGE_VERSION}: {exc}", file=sys.stderr)
        return 2
    full = json.loads(raw)
    if full["info"].get("version") != PACKAGE_VERSION:
        print(f"the description is version {full['info'].get('version')}, not {PACKAGE_VERSION}", file=sys.stderr)
        return 2
    text = render(prune(full, hashlib.sha256(raw).hexdigest()))
    if args.check:
        if SUBSET.read_text(encoding="utf-8") != text:
            print(f"{SUBSET.name} is not the subset {PACKAGE}@{PACKAGE_VERSION} gives: run {Path(__file__).name}", file=sys.stderr)
            return 1
        print(f"{SUBSET.name}: faithful to {PACKAGE}@{PACKAGE_VERSION} ({len(OPERATIONS)} operations)")
        return 0
    SUBSET.write_text(text, encoding="utf-8")
    print(f"wrote {SUBSET} ({len(text) // 1024} KiB)")
    return 0


if __name__ == "__main__":
    sys.exit(main())

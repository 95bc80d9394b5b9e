"""The vendored subset of GitHub's OpenAPI description is faithful to the pinned @octokit/openapi.

Without downloading anything: every operation and component in the subset hashes to the digest the
regeneration script recorded from the full description (so nothing was edited by hand), every reference
resolves inside the subset, and its operations are exactly the ones the client sends and the fake serves.
CI also regenerates the subset from the pinned npm package and compares (`regenerate.py --check`).
"""

from __future__ import annotations

import json

from .forge.fake_github import ROUTES, SUBSET
from .forge.openapi import regenerate


def load():
    return json.loads(SUBSET.read_text(encoding="utf-8"))


def test_every_operation_and_component_is_verbatim_from_the_full_description():
    doc = load()
    meta = doc["x-codemods-subset"]
    assert meta["package"] == "@octokit/openapi" and meta["version"] == regenerate.PACKAGE_VERSION
    assert doc["info"]["version"] == regenerate.PACKAGE_VERSION and len(meta["sha256"]) == 64
    digests = meta["digests"]
    seen = set()
    for path, item in doc["paths"].items():
        for method, op in item.items():
            key = f"{method.upper()} {path}"
            assert regenerate.digest(op) == digests[key], key
            seen.add(key)
    for kind, items in doc["components"].items():
        for name, value in items.items():
            key = f"#/components/{kind}/{name}"
            assert regenerate.digest(value) == digests[key], key
            seen.add(key)
    assert seen == set(digests)


def test_every_reference_resolves_inside_the_subset():
    doc = load()
    refs: set[str] = set()
    regenerate._refs(doc, refs)
    for ref in refs:
        regenerate.resolve(doc, ref)  # KeyError if the pruning lost something


def test_the_subset_holds_exactly_the_operations_the_client_uses():
    doc = load()
    in_subset = {(path, method) for path, item in doc["paths"].items() for method in item}
    assert in_subset == set(regenerate.OPERATIONS)
    assert {(path, method.lower()) for method, path in ROUTES.values()} == in_subset
    ids = {doc["paths"][path][method]["operationId"] for path, method in in_subset}
    assert ids == set(ROUTES)


def test_the_client_calls_only_described_operations():
    """githubkit's methods the forge module calls map to operations in the subset."""
    import inspect

    from codemods.deliver.forge import github

    source = inspect.getsource(github)
    used = {f"{ns}/{name.replace('_', '-')}" for ns, name in
            __import__("re").findall(r"self\.rest\.(pulls|issues)\.(\w+)\(", source)}
    assert used == set(ROUTES)

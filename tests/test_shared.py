"""The helpers every transform shares (codemods/transforms/_shared): tables of (before, after)."""

from __future__ import annotations

import libcst as cst
import pytest

from codemods.transforms._shared import add_import, fresh_name, identifier_from

IMPORTS = [
    pytest.param(  # sorted plain imports: its alphabetical place, the section's blank lines kept above it
        '"""doc"""\n\nimport json\nimport subprocess\nfrom pathlib import Path\n\nimport requests\n',
        '"""doc"""\n\nimport asyncio\nimport json\nimport subprocess\nfrom pathlib import Path\n\nimport requests\n',
        id="sorted-section",
    ),
    pytest.param(
        "import sys\nimport os\n\nimport requests\n", "import sys\nimport os\nimport asyncio\n\nimport requests\n",
        id="unsorted-section-appends",
    ),
    pytest.param(
        "from pathlib import Path\n\nimport requests\n", "import asyncio\nfrom pathlib import Path\n\nimport requests\n",
        id="only-from-imports",
    ),
    pytest.param(
        "from __future__ import annotations\n\nimport requests\n",
        "from __future__ import annotations\n\nimport asyncio\n\nimport requests\n",
        id="third-party-only-gets-a-stdlib-section",
    ),
    pytest.param("import asyncio\nx = 1\n", "import asyncio\nx = 1\n", id="already-there"),
    pytest.param("x = 1\n", "import asyncio\n\nx = 1\n", id="no-imports"),
]


@pytest.mark.parametrize(("before", "after"), IMPORTS)
def test_add_import_places_a_stdlib_import_where_isort_would(before: str, after: str):
    assert add_import(cst.parse_module(before), "asyncio").code == after


def test_add_import_merges_a_name_into_an_existing_from_import():
    module = cst.parse_module("from typing import Any, Optional\n")
    assert add_import(module, "typing", "Awaitable").code == "from typing import Any, Awaitable, Optional\n"


def test_fresh_names_are_never_keywords_builtins_or_taken():
    taken = {"timeout"}
    assert fresh_name("self._class", taken=taken) == "class_"
    assert fresh_name("timeout", taken=taken) == "timeout_2"
    assert fresh_name("id", taken=taken) == "id_"
    assert fresh_name(None, "3x", taken=taken) == "value"
    assert identifier_from("self.OnClose") == "on_close"

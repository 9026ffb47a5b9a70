"""Lists what the pipeline published for a county (``python -m tools.outputs <county>``)."""

from __future__ import annotations

import sys

from pipeline.layout import CountyLayout


def main(argv: list[str] | None = None) -> int:
    """Print the published files of a county, one path a line; 1 if none exist."""
    args = sys.argv[1:] if argv is None else argv
    layout = CountyLayout.of(args[0] if args else "sample")
    found = layout.published_files()
    print(f"Published for county '{layout.county}':")
    for path in found:
        print(f"  {path}")
    return 0 if found else 1


if __name__ == "__main__":
    raise SystemExit(main())

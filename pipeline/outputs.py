"""Lists what the pipeline published for a county (``python -m pipeline.outputs <county>``)."""

from __future__ import annotations

import sys

from pipeline.config import processed_dir

PUBLISHED = ("sozialraeume.gpkg", "sozialraumbericht.html", "profile.csv", "sozialraeume.geojson")


def main(argv: list[str] | None = None) -> int:
    """Print the published files of a county, one path a line; 1 if none exist."""
    args = sys.argv[1:] if argv is None else argv
    county = args[0] if args else "sample"
    folder = processed_dir(county)
    found = [folder / name for name in PUBLISHED if (folder / name).exists()]
    print(f"Published for county '{county}':")
    for path in found:
        print(f"  {path}")
    return 0 if found else 1


if __name__ == "__main__":
    raise SystemExit(main())

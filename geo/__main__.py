"""Command line of the data layer: ``python -m geo validate [DIR]`` and ``python -m geo db …`` (see geo.dbcli).

Exit codes: 0 valid (warnings allowed), 1 errors in the data, 2 bad usage, 3 database unreachable or unusable.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from geo import dbcli
from geo.settings import data_dir
from geo.validate import validate


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m geo", description="Beyond Borders data tools")
    sub = parser.add_subparsers(dest="command", required=True)
    val = sub.add_parser("validate", help="check a data directory and print every problem")
    val.add_argument("directory", nargs="?", type=Path, help="data directory (default: BB_DATA_DIR or the repo's data/)")
    val.add_argument("--quiet", action="store_true", help="print only errors and the summary")
    dbcli.add_parser(sub)
    args = parser.parse_args(argv)
    if args.command == "db":
        return dbcli.run(args)

    directory = (args.directory or data_dir()).resolve()
    report = validate(directory)
    shown = report.errors if args.quiet else report.problems
    for problem in shown:
        print(problem)
    print(f"{directory}: {len(report.errors)} error(s), {len(report.warnings)} warning(s)")
    return 0 if report.ok else 1


if __name__ == "__main__":
    sys.exit(main())

"""Run the real `callpop` entry point in a subprocess and report which modules it imported and
which table mappers it configured (for the start-up tests): `python tests/cli_runner.py REPORT_FILE
ARG ...`."""

from __future__ import annotations

import json
import sys

from console.cli import main

if __name__ == "__main__":
    report, argv = sys.argv[1], sys.argv[2:]
    try:
        code = main(argv)
    except SystemExit as done:  # --help and --version exit through argparse
        code = int(done.code or 0)
    sqlmodel = sys.modules.get("sqlmodel")
    mappers = sqlmodel.SQLModel._sa_registry.mappers if sqlmodel else ()
    configured = sorted(mapper.class_.__name__ for mapper in mappers if mapper.configured)
    with open(report, "w", encoding="utf-8") as out:
        json.dump({"exit": code, "modules": sorted(sys.modules), "configured": configured}, out)

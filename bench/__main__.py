"""`python -m bench [--scale S|M|L] [--db sqlite|postgresql] [generate|run|load|all]`.

generate: build the scale's data if its database is empty (and report the load);
run: the operations, product vs limit, written to bench/results/ and docs/performance.md;
load: the HTTP load test (locust against gunicorn); all: the three in turn (the default).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import env
from bench.scales import SCALES


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench")
    parser.add_argument(
        "what", nargs="?", default="all", choices=["generate", "run", "load", "all"]
    )
    parser.add_argument("--scale", default="S", choices=sorted(SCALES))
    parser.add_argument("--db", default="sqlite", choices=["sqlite", "postgresql"])
    parser.add_argument(
        "--only",
        default="",
        help="run only operations whose name contains one of these (comma-separated)",
    )
    parser.add_argument(
        "--skip", default="", help="leave out operations whose name contains one of these"
    )
    parser.add_argument("--no-report", action="store_true", help="do not write results or docs")
    parser.add_argument(
        "--smoke", action="store_true", help="time once, fail only on wrong answers (make test)"
    )
    args = parser.parse_args(argv)
    with env.database(args.db, args.scale) as url:
        env.django_setup(url)
        from django.core.management import call_command

        call_command("migrate", verbosity=0)
        from bench import data, runner

        scale = SCALES[args.scale]
        if args.what in ("generate", "all") and data.is_empty():
            print(f"generating scale {scale.name} on {args.db} ...", flush=True)
            load = data.generate(scale)
            print(json.dumps(load, indent=1), flush=True)
            runner.save_load(args.db, scale.name, load)
        failed = 0
        if args.what in ("run", "all"):
            failed += runner.run(
                args.db, scale, only=args.only, write=not (args.no_report or args.smoke),
                smoke=args.smoke, skip=args.skip,
            )  # fmt: skip
        if args.what in ("load", "all"):
            from bench import load as load_test

            failed += load_test.run(args.db, scale, url, write=not (args.no_report or args.smoke))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())

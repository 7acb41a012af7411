"""The `salesops` command for operators: every manage.py command, plus short aliases.

salesops demo            create the demo company (if the database is empty with --if-empty)
salesops serve           run the web server (runserver on 127.0.0.1:$PORT)
salesops worker          run queued background tasks (TASKS_BACKEND=database)
salesops <command>       any Django management command (migrate, createsuperuser, ...)
"""

from __future__ import annotations

import os
import sys

ALIASES = {"worker": ["db_worker"], "serve": ["runserver"]}


def main(argv: list[str] | None = None) -> None:
    """Run a management command with the SalesOps settings."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    args = list(sys.argv if argv is None else argv)
    if len(args) > 1 and args[1] in ALIASES:
        args[1:2] = ALIASES[args[1]]
        if args[1] == "runserver" and len(args) == 2:
            args.append(f"127.0.0.1:{os.environ.get('PORT', '8000')}")
    from django.core.management import execute_from_command_line

    execute_from_command_line(args)


if __name__ == "__main__":
    main()

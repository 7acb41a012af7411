#!/usr/bin/env python
"""Django's manage.py; operators use the `salesops` command, which wraps it."""

from config.cli import main

if __name__ == "__main__":
    main()

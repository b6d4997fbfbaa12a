"""Command line: ``python -m analytics COMMAND ...``.

Each command lives in its own module, which exposes ``register(subparsers)``; the module adds its
sub-parser and sets ``handler=`` to a function taking the parsed arguments and returning an exit code.
User errors (:class:`~analytics.errors.InputError`) print one line on stderr and exit with status 2;
nothing the user typed or supplied produces a traceback.
"""

from __future__ import annotations

import argparse
import importlib
import sys

from analytics.errors import InputError

#: Modules that contribute commands, in the order shown by ``--help``.
COMMAND_MODULES = (
    "cli.survey",
    "cli.hr",
    "cli.relate",
    "cli.report",
    "cli.store",
)

EXIT_OK = 0
EXIT_USER_ERROR = 2


class _Parser(argparse.ArgumentParser):
    """argparse exits with status 2 on bad usage already; keep its one-line message."""


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="python -m analytics",
                     description="Culture analytics for health and social care: score staff-survey exports, "
                                 "compute HR outcomes and relate them, with small teams kept anonymous.")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    subparsers.required = True
    for name in COMMAND_MODULES:
        importlib.import_module(name).register(subparsers)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args.handler(args) or EXIT_OK)
    except InputError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_USER_ERROR
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())

"""The `checkins` command: thin over the services. Exit 0 on success, 2 on bad input with one
sentence (JSON with --json), never a traceback.

One module per command group (clinic, review, people, photos, export), the shared context
(context), the output formatting (output) and the argument parser (parser)."""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, TextIO

from checkins.cli.context import EXIT_INPUT
from checkins.domain import CheckinsError

if TYPE_CHECKING:
    import argparse

    from checkins.cli.parser import build_parser

__all__ = ["build_parser", "main"]


def __getattr__(name: str) -> Any:
    # The full parser imports every command's module: loaded when first asked for (PEP 562).
    if name == "build_parser":
        from checkins.cli.parser import build_parser

        return build_parser
    raise AttributeError(name)


def _parser_for(argv: list[str]) -> tuple[argparse.ArgumentParser, list[str]]:
    """The parser for ``argv``: ``analyze`` has its own, so its photos start without waiting
    for every other command's module; everything else the full one."""
    if argv[:1] == ["analyze"]:
        from checkins.cli.photos import analyze_parser

        return analyze_parser(), argv[1:]
    from checkins.cli.parser import build_parser

    return build_parser(), argv


def main(argv: Sequence[str] | None = None, out: TextIO | None = None) -> int:
    # The photo commands run a thread or a worker per core of their own; the threads NumPy's
    # BLAS starts when it is first imported would only spin (≈ 0.15 s of CPU per process).
    os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
    out = out or sys.stdout
    argv = list(sys.argv[1:] if argv is None else argv)
    as_json = "--json" in argv
    try:
        parser, rest = _parser_for(argv)
        args = parser.parse_args(rest)
        code: int = args.fn(args, out)
        return code
    except CheckinsError as e:
        if as_json:
            out.write(json.dumps(e.to_json()) + "\n")
        else:
            sys.stderr.write(f"checkins: {e.message}\n")
        return EXIT_INPUT
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())

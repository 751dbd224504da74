"""`checkins analyze` and `card`: the photo commands (no database)."""

from __future__ import annotations

import argparse
from typing import TextIO

ANALYZE_HELP = "Analyse photos: quality, redness, calibration (JSON lines)."


def add_analyze_arguments(sp: argparse.ArgumentParser) -> argparse.ArgumentParser:
    sp.add_argument("paths", nargs="+")
    sp.add_argument(
        "--mask-out",
        metavar="DIR",
        help="also write the measured region of each photo as a PNG in DIR",
    )
    sp.set_defaults(fn=cmd_analyze)
    return sp


def analyze_parser() -> argparse.ArgumentParser:
    """``checkins analyze`` on its own: the same arguments as in the full parser, without
    importing every other command's module first (its photos start sooner)."""
    from checkins.cli.usage import UsageParser

    sp = UsageParser(prog="checkins analyze", description=ANALYZE_HELP)
    sp.add_argument("--json", action="store_true", help="print JSON")
    return add_analyze_arguments(sp)


def cmd_analyze(args: argparse.Namespace, out: TextIO) -> int:
    from checkins.cli.analyze import analyze_command

    code: int = analyze_command(args.paths, out=out, mask_out=args.mask_out)
    return code


def cmd_card(args: argparse.Namespace, out: TextIO) -> int:
    from checkins.cli.analyze import card_command

    code: int = card_command(args.out)
    return code

"""`checkins analyze` and `card`: the photo commands (no database)."""

from __future__ import annotations

import argparse
from typing import TextIO


def cmd_analyze(args: argparse.Namespace, out: TextIO) -> int:
    from checkins.cli.analyze import analyze_command

    code: int = analyze_command(args.paths, out=out, mask_out=args.mask_out)
    return code


def cmd_card(args: argparse.Namespace, out: TextIO) -> int:
    from checkins.cli.analyze import card_command

    code: int = card_command(args.out)
    return code

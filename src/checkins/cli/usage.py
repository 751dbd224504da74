"""The argument parser's class: usage errors are bad input too (a sentence, exit 2)."""

from __future__ import annotations

import argparse
import re
from typing import NoReturn

from checkins.domain import InvalidInput


class UsageParser(argparse.ArgumentParser):
    """Usage errors are bad input too: a sentence (JSON under --json) and exit 2."""

    def error(self, message: str) -> NoReturn:
        message = re.sub(r"'([^']{40})[^']+'", r"'\1…'", message)  # no 5,000-digit echo
        raise InvalidInput(f"{message[:1].upper()}{message[1:]} (see `{self.prog} --help`).",
                           code="usage")  # fmt: skip

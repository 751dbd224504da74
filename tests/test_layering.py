"""The layering, read from the source's imports (every import, lazy and type-only ones too):
the library never imports the dashboard (nor Streamlit), and access.py, which every service
calls, imports nothing from the services."""

from __future__ import annotations

import ast
from pathlib import Path

import checkins

LIBRARY = Path(checkins.__file__).parent


def _imported(path: Path) -> set[str]:
    """Every module ``path`` (a file of the library) imports."""
    package = ".".join(path.relative_to(LIBRARY.parent).with_suffix("").parts)
    if path.name != "__init__.py":
        package = package.rpartition(".")[0]
    return _imports(path.read_text(encoding="utf-8"), package)


def _imports(text: str, package: str) -> set[str]:
    """Every module ``text`` imports, absolute: relative ones resolved against ``package``."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(text)):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parent = package.rsplit(".", node.level - 1)[0] if node.level > 1 else package
                base = f"{parent}.{base}" if base else parent
            found.add(base)
            found.update(f"{base}.{alias.name}" for alias in node.names)
    return found


def _within(module: str, top: str) -> bool:
    return module == top or module.startswith(top + ".")


def test_the_library_never_imports_the_dashboard_or_streamlit() -> None:
    sources = sorted(LIBRARY.rglob("*.py"))
    assert len(sources) > 50  # the whole library was read, not an empty folder
    offenders = {
        f"{path.relative_to(LIBRARY)}: {module}"
        for path in sources
        for module in _imported(path)
        if _within(module, "dashboard") or _within(module, "streamlit")
    }
    assert not offenders


def test_access_imports_nothing_from_the_services() -> None:
    imported = _imported(LIBRARY / "access.py")
    assert "checkins.domain" in imported  # the parse saw its imports
    assert not {m for m in imported if _within(m, "checkins.services")}


def test_the_import_reader_sees_every_kind_of_import() -> None:
    """The checks above would pass on a reader that sees nothing; this one shows it sees all."""
    text = (
        "import dashboard.app\n"
        "from typing import TYPE_CHECKING\n"
        "if TYPE_CHECKING:\n    from checkins.services.views import Actor\n"
        "def f():\n    from . import queue\n    from ..storage import db\n"
    )
    found = _imports(text, "checkins.services")
    assert {"dashboard.app", "checkins.services.views", "checkins.services.queue"} <= found
    assert "checkins.storage.db" in found


def test_the_command_line_starts_without_the_database_or_imaging_stack() -> None:
    """`checkins --help` (and analyze, before its photos) pays for neither SQLAlchemy nor OpenCV:
    the command modules import them where a command runs (docs/performance.md)."""
    import subprocess
    import sys

    probe = (
        "import sys, checkins.cli\n"
        "checkins.cli.build_parser()\n"
        "print(sorted(m for m in ('sqlalchemy', 'cv2', 'numpy', 'checkins.storage.models')"
        " if m in sys.modules))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True, timeout=120
    )
    assert done.stdout.strip() == "[]", done.stdout


def test_analyze_starts_without_pydantic_babel_or_the_database() -> None:
    """`checkins analyze` imports the imaging stack and nothing it does not use: no SQLAlchemy,
    no pydantic (the input models load on first use), no Babel (issue 11 §9's start-up)."""
    import subprocess
    import sys

    probe = (
        "import sys, checkins.cli, checkins.cli.analyze\n"
        "checkins.cli._parser_for(['analyze', 'a.jpg'])[0].parse_args(['a.jpg'])\n"
        "print(sorted(m for m in ('sqlalchemy', 'pydantic', 'babel', 'checkins.cli.parser',"
        " 'checkins.cli.people', 'checkins.cli.review') if m in sys.modules))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True, timeout=120
    )
    assert done.stdout.strip() == "[]", done.stdout


def test_analyze_has_the_same_arguments_alone_as_in_the_full_parser() -> None:
    """`checkins analyze` parses with its own small parser (it starts sooner); `checkins --help`
    lists the same command with the same options."""
    import argparse

    from checkins.cli import build_parser
    from checkins.cli.photos import analyze_parser

    def options(parser: argparse.ArgumentParser) -> set[tuple[str, ...]]:
        return {tuple(a.option_strings) or (a.dest,) for a in parser._actions}

    full = build_parser()
    sub = next(a for a in full._actions if isinstance(a, argparse._SubParsersAction))
    assert options(sub.choices["analyze"]) == options(analyze_parser())
    args = analyze_parser().parse_args(["--mask-out", "m", "a.jpg", "b.jpg"])
    assert (args.paths, args.mask_out) == (["a.jpg", "b.jpg"], "m")

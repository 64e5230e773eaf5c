"""``python -m saleskpi`` and the ``saleskpi`` command: answers ``--version`` without loading the
command line (typer, rich, click: about 0.1 s), everything else through :mod:`saleskpi.cli`."""

from __future__ import annotations

import sys


def main() -> None:
    if sys.argv[1:] == ["--version"]:
        from saleskpi import __version__

        print(f"saleskpi {__version__}")  # what `saleskpi --version` prints through typer too
        return
    from saleskpi.cli import main as cli_main

    cli_main()


if __name__ == "__main__":
    main()

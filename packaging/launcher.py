"""PyInstaller entry point of the bundle: the same `anime-desktop` as the installed package's script.

No arguments: the window. A subcommand (or --self-test, --version): the CLI.
"""

import multiprocessing
import sys

from anime_desktop.cli import main

if __name__ == "__main__":
    multiprocessing.freeze_support()  # harmless when unused; needed if a library ever spawns a process
    sys.exit(main())

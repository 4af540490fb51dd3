"""`python -m anime_desktop`: same as the `anime-desktop` command."""

import sys

from .cli import main

sys.exit(main())

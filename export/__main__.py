"""`python -m export` (how the window runs the exporter): same as `anime-export`."""

import sys

from .cli import main

sys.exit(main())

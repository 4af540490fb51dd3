"""`python -m trainer` (and `torchrun ... -m trainer`): same as `anime-train`."""

import sys

from .cli import main

sys.exit(main())

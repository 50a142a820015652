"""Allow ``python -m planbuilder``."""

import sys

from planbuilder.cli import main

sys.exit(main())

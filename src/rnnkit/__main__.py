"""`python -m rnnkit …` runs the same command line as `rnnkit …`."""

import sys

from rnnkit.cli.main import main

sys.exit(main())

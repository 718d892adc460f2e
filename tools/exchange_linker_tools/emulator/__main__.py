"""``python -m exchange_linker_tools.emulator``."""

import sys

from exchange_linker_tools.emulator.cli import main

sys.exit(main())

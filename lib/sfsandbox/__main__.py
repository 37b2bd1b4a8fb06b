"""``python -m sfsandbox serve ...``: how :meth:`Sandbox.start` runs an org in a process of its own."""

import sys

from .cli import main

sys.exit(main())

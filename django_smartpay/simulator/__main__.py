"""``python -m django_smartpay.simulator``: serve the simulator over HTTP (see :mod:`.server`)."""

import sys

from .server import main

sys.exit(main())

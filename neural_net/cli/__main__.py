"""``python -m neural_net.cli`` runs the ``neural-net`` command line (as ``python -m neural_net`` does)."""
import sys

from .entry import main

sys.exit(main())

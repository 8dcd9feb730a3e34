"""``python -m neural_net`` runs the ``neural-net`` command line."""
import sys

from .cli import main

sys.exit(main())

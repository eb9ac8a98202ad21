"""``python -m attnlab.models`` (``make models``): retrain the course's tiny models into ``data/``."""

import sys

from attnlab.models.training import main

sys.exit(main())

"""``python -m attnlab.course.bench`` (``make bench``)."""

import sys

from attnlab.course.bench import main

sys.exit(main())

"""Every test and every notebook kernel nbval starts sees a machine without a fetched GPT-2
(``attnlab.models.hub.IGNORE``): stored outputs are the same whatever a developer fetched. The tests
of the GPT-2 path lay out their own checkpoints and lift it (``gpt2_checkpoints.pretend_fetched``)."""

import os

os.environ.setdefault("ATTNLAB_IGNORE_FETCHED", "1")

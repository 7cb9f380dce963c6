"""``python -m mock_server``: the mock server alone (``jwt-lab serve`` is the same)."""

import sys

from mock_server.cli import main

sys.exit(main())

"""``python -m analytics``: the command line's launcher.

The commands live in the top-level :mod:`cli` package, beside ``ui/``: like the dashboard they use the
pure analytics package and the Streamlit-free render layer (``render/``), which the analytics package
itself never imports. This file only keeps ``python -m analytics …`` as the documented way to start them.
"""

import sys

from cli import main

sys.exit(main())

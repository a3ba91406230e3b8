"""python -m broker_segments.datagen"""

import sys

from broker_segments.datagen.cli import main

sys.exit(main())

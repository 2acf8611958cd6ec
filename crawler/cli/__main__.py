"""``python -m crawler.cli``: the govaudit command line."""
import sys

from crawler.cli.main import main

sys.exit(main())

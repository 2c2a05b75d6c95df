"""`python -m followup.cli`."""

from followup.cli import main

raise SystemExit(main())

"""``python -m smartregion``: the same as the ``smartregion`` command."""

from .cli import main

raise SystemExit(main())

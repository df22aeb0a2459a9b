"""``python -m smartregion``: the same as the ``smartregion`` command."""

from smartregion.cli.main import main

raise SystemExit(main())

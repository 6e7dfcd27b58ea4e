"""`python -m kemu` is the `kemu` command."""
from kemu.cli.main import main

raise SystemExit(main())

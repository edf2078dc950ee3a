"""``python -m hybrid.runtime``: the same as ``hybrid-serve``."""
from __future__ import annotations

from .cli import main

raise SystemExit(main())

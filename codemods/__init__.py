"""codemods: find async-hygiene hazards in asyncio code and fix them as reviewable patches."""

__version__ = "0.1.0"

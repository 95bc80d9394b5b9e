"""What every transform needs, written once: fresh names, positions, imports, docstrings.

Copies of these drifted before (one of them named a variable ``class``), so a transform imports them
from here and never keeps a private variant. Add a helper here when a second transform needs it.
"""

from .docstrings import docstring_of, is_docstring
from .imports import add_import, dotted_name, import_style, module_alias
from .names import fresh_name, identifier_from, is_usable_name, names_in
from .positions import Positions

__all__ = [
    "Positions", "add_import", "docstring_of", "dotted_name", "fresh_name", "identifier_from", "import_style",
    "is_docstring", "is_usable_name", "module_alias", "names_in",
]

"""Built-in pipeline components: every module here registers its component on import.

A new component is a new module in this folder; nothing else needs editing.
"""

import importlib
import pkgutil

for _info in pkgutil.iter_modules(__path__):
    if not _info.name.startswith("_") and _info.name != "lexicon":
        importlib.import_module(f"{__name__}.{_info.name}")

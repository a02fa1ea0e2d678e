"""People, trips and exposure models. ``Organisation`` moved to ``vedette.tenancy.models``.

The re-export below stays until every importer uses ``vedette.tenancy.models`` directly.
"""

from __future__ import annotations

from vedette.tenancy.models import Organisation

__all__ = ["Organisation"]

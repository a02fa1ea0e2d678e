"""Every domain's models, imported so that ``Base.metadata`` is complete (Alembic, tests).

This aggregate sits at the top of the house (it imports every domain), not in ``vedette.store``: the store
is the lowest layer and imports no domain (tests/test_layers.py). A new domain with tables adds its
``models`` module here. Alembic's env.py (store/migrations) reads it: the migration runner is the one place
allowed to see everything.
"""

from vedette.alerts import alarms, checkins, enrolment, ladder, roster  # noqa: F401 (check-ins, ladder, roster)
from vedette.alerts import models as alerts_models  # noqa: F401
from vedette.gazetteer import models as gazetteer_models  # noqa: F401
from vedette.incidents import models as incident_models  # noqa: F401
from vedette.intake import models as intake_models  # noqa: F401
from vedette.people import models as people_models  # noqa: F401
from vedette.risk import models as risk_models  # noqa: F401
from vedette.store.base import Base
from vedette.tenancy import models as tenancy_models  # noqa: F401

metadata = Base.metadata

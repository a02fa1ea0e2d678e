"""Import every domain's models so that ``Base.metadata`` is complete (Alembic, tests)."""

from vedette.alerts import models as alerts_models  # noqa: F401
from vedette.gazetteer import models as gazetteer_models  # noqa: F401
from vedette.incidents import models as incident_models  # noqa: F401
from vedette.intake import models as intake_models  # noqa: F401
from vedette.people import models as people_models  # noqa: F401
from vedette.risk import models as risk_models  # noqa: F401
from vedette.store.base import Base
from vedette.tenancy import models as tenancy_models  # noqa: F401

metadata = Base.metadata

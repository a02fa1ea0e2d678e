"""Levels as they stood on a day: a replayed crisis shows the advice of its day, not today's."""

from __future__ import annotations

from sqlalchemy.orm import Session


def test_country_levels_as_of_a_day(session: Session) -> None:
    from vedette.risk import levels, picture
    from vedette.risk.models import AdvisoryLevel

    for level, day in ((2, "2012-02-01"), (4, "2012-04-06")):
        session.add(AdvisoryLevel(country="ML", area="", area_label="Mali", source="US", level=level,
                                  as_written=f"Level {level}", indicators=[], stated_on=day, set_by="test"))
    session.flush()
    assert levels.country_levels(session, "ML")["effective"]["level"] == 4
    assert levels.country_levels(session, "ML", as_of="2012-03-22")["effective"]["level"] == 2
    assert levels.country_levels(session, "ML", as_of="2012-01-01")["effective"] is None
    world = {r["country"]: r for r in picture.world(session, "2012-03-22")}
    assert world["ML"]["effective_level"]["level"] == 2

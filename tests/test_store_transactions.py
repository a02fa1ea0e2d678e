"""Nested transactions really nest on both stores: a rolled-back SAVEPOINT leaves the outer work intact,
and nothing is committed before the outer transaction ends."""

from __future__ import annotations

from sqlalchemy import func, select

from vedette.store.db import session_factory
from vedette.tenancy.models import Organisation


def test_savepoint_rollback_keeps_outer_work_uncommitted_until_the_end(clean_db: str) -> None:
    factory = session_factory(clean_db)
    with factory() as s:
        s.begin()
        with s.begin_nested():  # the very first statement is a SAVEPOINT
            s.add(Organisation(slug="first", name="First"))
        with factory() as other:
            assert other.scalar(select(func.count()).select_from(Organisation)) == 0
        s.add(Organisation(slug="outer", name="Outer"))
        s.flush()
        try:
            with s.begin_nested():
                s.add(Organisation(slug="inner", name="Inner"))
                s.flush()
                raise RuntimeError("roll the savepoint back")
        except RuntimeError:
            pass
        with s.begin_nested():
            s.add(Organisation(slug="kept", name="Kept"))
        with factory() as other:  # another connection sees nothing yet: no hidden commit happened
            assert other.scalar(select(func.count()).select_from(Organisation)) == 0
        s.commit()
    with factory() as s:
        assert sorted(s.scalars(select(Organisation.slug))) == ["first", "kept", "outer"]

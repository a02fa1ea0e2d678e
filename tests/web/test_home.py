"""The first page lists what is in the store; the OpenAPI is served."""

from __future__ import annotations

from sqlalchemy.orm import Session

from vedette.incidents.models import Incident
from vedette.intake.models import Document


def test_home_lists_documents_and_incidents(client, session: Session) -> None:
    empty = client.get("/")
    assert empty.status_code == 200
    assert "No incidents in the store yet" in empty.text

    session.add(
        Document(
            sha256="a" * 64, origin="/tmp/x.txt", name="harbour-report.txt", media_type="text/plain",
            language="en", text="A report.", size_bytes=9,
        )
    )
    session.add(Incident(date="2012-03-22", category="coup", place="Harbourtown", country="ML", actors=["X"]))
    session.commit()

    page = client.get("/")
    assert page.status_code == 200
    assert "harbour-report.txt" in page.text
    assert "Harbourtown" in page.text and "coup" in page.text
    assert "No incidents in the store yet" not in page.text


def test_openapi_and_docs_are_served(client) -> None:
    spec = client.get("/openapi.json")
    assert spec.status_code == 200
    assert spec.json()["info"]["title"] == "Vedette"
    docs = client.get("/docs")
    assert docs.status_code == 200 and "swagger" in docs.text.lower()


def test_static_assets_are_local(client) -> None:
    css = client.get("/static/vedette.css")
    assert css.status_code == 200 and "font-family" in css.text
    assert "http://" not in client.get("/").text.split("<body>")[0]

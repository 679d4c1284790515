"""The admin page's ingestion API with real tokens from the development identity provider: only an admin's
access token opens it; a folder outside `admin.ingest_roots` (`/etc`, `..`, a link out of a root) is refused
before anything is queued; each action is audited. With a real worker: progress, failures and their
reasons, retry of the failed files."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from assistant.api.services import AppServices
from tests.security.conftest import PASSWORDS
from tests.security.sso_app import running_app
from tests.support.dev_idp import DevIdp
from tests.support.jobs import job_environment, running_worker, wait_for, write_folder

BASE = "/api/admin/ingestions"


@dataclass
class AdminApp:
    client: TestClient
    imports: Path
    tmp: Path
    idp: DevIdp
    tokens: dict[str, dict[str, Any]]

    @property
    def services(self) -> AppServices:
        return self.client.app.state.services  # type: ignore[attr-defined,no-any-return]

    def token(self, user: str) -> dict[str, Any]:
        if user not in self.tokens:
            self.tokens[user] = self.idp.login(user, PASSWORDS.get(user, f"{user.split('.')[0]}-dev"))
        return self.tokens[user]

    def headers(self, user: str, kind: str = "access_token") -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token(user)[kind]}", "Accept": "application/json"}

    def start(self, user: str, **body: Any) -> Any:
        return self.client.post(BASE, headers=self.headers(user), json={"collection": "urba", **body})

    def jobs(self) -> list[Any]:
        return self.services.runtime.jobs.recent(100)


@pytest.fixture
def admin_app(idp: DevIdp, tmp_path: Path) -> Iterator[AdminApp]:
    imports = tmp_path / "imports"
    write_folder(imports / "urbanisme", 3)
    with running_app(idp, tmp_path, admin={"ingest_roots": [str(imports)]}) as (client, _):
        yield AdminApp(client, imports, tmp_path, idp, {})


def _routes(job_id: int) -> list[tuple[str, str, dict[str, Any] | None]]:
    return [("GET", f"{BASE}/collections", None), ("GET", BASE, None), ("GET", f"{BASE}/{job_id}", None),
            ("POST", f"{BASE}/{job_id}/cancel", None), ("POST", f"{BASE}/{job_id}/retry", None),
            ("POST", BASE, {"folder": "/etc", "collection": "urba"})]


def test_an_admin_sees_collections_and_starts_follows_and_cancels_an_ingestion(admin_app: AdminApp) -> None:
    client, admin = admin_app.client, admin_app.headers("admin")
    listing = client.get(f"{BASE}/collections", headers=admin)
    assert listing.status_code == 200
    body = listing.json()
    assert body["roots"] == [str(admin_app.imports.resolve())]
    urba = next(c for c in body["collections"] if c["name"] == "urba")
    assert urba["groups"] == ["urbanisme"] and urba["documents"] == 1 and urba["last_ingested_at"]

    started = admin_app.start("admin", folder=f"{admin_app.imports}/urbanisme/../urbanisme")
    assert started.status_code == 202, started.text
    job = started.json()
    assert job["status"] == "queued" and job["folder"] == str((admin_app.imports / "urbanisme").resolve())
    assert job["collection"] == "urba" and job["requested_by"] == "admin"
    event = _audit_of(admin_app, started)
    assert event.action == "admin.start_ingestion" and event.status == 202
    assert "folder=" in event.target and "collection=urba" in event.target

    status = client.get(f"{BASE}/{job['id']}", headers=admin).json()
    assert status["files_done"] == 0 and status["failures"] == [] and status["eta_seconds"] is None
    assert [j["id"] for j in client.get(BASE, headers=admin).json()] == [job["id"]]
    cancelled = client.post(f"{BASE}/{job['id']}/cancel", headers=admin)
    assert cancelled.status_code == 200 and cancelled.json()["status"] == "cancelled"
    assert _audit_of(admin_app, cancelled).action == "admin.cancel_ingestion"
    retry = client.post(f"{BASE}/{job['id']}/retry", headers=admin)
    assert retry.status_code == 409 and "aucun fichier en échec" in retry.json()["detail"]
    assert client.get(f"{BASE}/999", headers=admin).status_code == 404


@pytest.mark.parametrize("user", ["julien.bernard", "claire.martin", "karim.haddad", "paul.durand"])
def test_other_roles_and_groups_are_refused_everywhere(admin_app: AdminApp, user: str) -> None:
    """Agents of the collection's group or of another one, an analyst, a user without roles: all 403."""
    job = admin_app.start("admin", folder=str(admin_app.imports)).json()
    for method, path, body in _routes(job["id"]):
        response = admin_app.client.request(method, path, headers=admin_app.headers(user), json=body)
        assert response.status_code == 403, (user, method, path, response.text)
        assert "admin" not in response.text.lower() or "rôle « admin » requis" in response.json()["detail"]
    assert [j.id for j in admin_app.jobs()] == [job["id"]] and admin_app.jobs()[0].status == "queued"


@pytest.mark.parametrize("kind", ["ID token", "refresh token", "no token"])
def test_tokens_other_than_an_admins_access_token_are_refused(admin_app: AdminApp, kind: str) -> None:
    job = admin_app.start("admin", folder=str(admin_app.imports)).json()
    token_kind = {"ID token": "id_token", "refresh token": "refresh_token"}.get(kind)
    headers = admin_app.headers("admin", token_kind) if token_kind else {"Accept": "application/json"}
    for method, path, body in _routes(job["id"]):
        response = admin_app.client.request(method, path, headers=headers, json=body)
        assert response.status_code == 401, (kind, method, path, response.text)
        assert "urba" not in response.text and "imports" not in response.text
    assert len(admin_app.jobs()) == 1


def test_folders_outside_the_allowed_roots_are_refused_before_anything_is_queued(admin_app: AdminApp) -> None:
    outside = admin_app.tmp / "hors-racine"
    outside.mkdir()
    (admin_app.imports / "raccourci").symlink_to(outside)
    (admin_app.imports / "systeme").symlink_to("/etc")
    root = str(admin_app.imports.resolve())
    for folder in ("/etc", f"{admin_app.imports}/../hors-racine", f"{admin_app.imports}/urbanisme/../../..",
                   f"{admin_app.imports}/raccourci", f"{admin_app.imports}/systeme", str(outside)):
        response = admin_app.start("admin", folder=folder)
        assert response.status_code == 400, (folder, response.text)
        detail = response.json()["detail"]
        assert detail.startswith("dossier refusé") and root in detail, detail
        assert _audit_of(admin_app, response).status == 400
    missing = admin_app.start("admin", folder=f"{admin_app.imports}/absent")
    assert missing.status_code == 400 and "dossier introuvable" in missing.json()["detail"]
    new = admin_app.client.post(BASE, headers=admin_app.headers("admin"),
                                json={"folder": str(admin_app.imports), "collection": "nouvelle"})
    assert new.status_code == 400 and "n'existe pas encore" in new.json()["detail"]
    changed = admin_app.start("admin", folder=str(admin_app.imports), public=True)
    assert changed.status_code == 400 and "ne change pas ses lecteurs" in changed.json()["detail"]
    assert admin_app.jobs() == []


def test_with_a_worker_progress_failures_and_retry_of_the_failed_file(admin_app: AdminApp) -> None:
    broken = admin_app.imports / "urbanisme" / "vide.txt"
    broken.write_bytes(b"")
    client, admin = admin_app.client, admin_app.headers("admin")
    with running_worker(job_environment(admin_app.tmp), admin_app.tmp / "worker.log") as worker:
        job = admin_app.start("admin", folder=str(admin_app.imports / "urbanisme")).json()
        done = wait_for(lambda: _finished(client, admin, job["id"]), what=f"the job\n{worker.output()}")
        assert done["status"] == "succeeded" and done["files_total"] == 4 and done["files_done"] == 4
        assert done["counts"] == {"ingested": 3, "failed": 1}
        [failure] = done["failures"]
        assert failure["path"] == str(broken.resolve()) and failure["reason"]
        urba = next(c for c in client.get(f"{BASE}/collections", headers=admin).json()["collections"]
                    if c["name"] == "urba")
        assert urba["documents"] == 4 and urba["last_job"]["id"] == job["id"]

        broken.write_text("Le service urbanisme instruit les permis de construire.\n", encoding="utf-8")
        retry = client.post(f"{BASE}/{job['id']}/retry", headers=admin)
        assert retry.status_code == 202 and retry.json()["retry_of"] == job["id"] and retry.json()["only"] == 1
        again = wait_for(lambda: _finished(client, admin, retry.json()["id"]), what="the retry")
        assert again["status"] == "succeeded" and again["counts"] == {"ingested": 1} and again["failures"] == []


def _finished(client: TestClient, headers: dict[str, str], job_id: int) -> dict[str, Any] | None:
    status = client.get(f"{BASE}/{job_id}", headers=headers).json()
    return status if status["finished"] else None


def _audit_of(app: AdminApp, response: Any) -> Any:
    request_id = response.headers["x-request-id"]
    [event] = [e for e in app.services.audit.query(limit=500) if e.request_id == request_id]
    return event

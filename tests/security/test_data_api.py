"""Leak tests of the territorial analysis: real tokens from the development identity provider, real DuckDB.

A dataset of the direction générale is readable by its analyst (nadia.lefebvre) only: another analyst
(karim.haddad, no group) never gets its figures, its name, its columns or the names of its places, through
questions, the query builder, exports, the dataset routes or the builder's vocabulary. Agents without the
analyst role, users without any role, ID tokens and anonymous calls are refused."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from assistant.analysis.cards import DatasetCard
from assistant.api.app import create_app
from assistant.api.services import build_services
from assistant.jobs.handlers import job_kinds
from assistant.jobs.worker import Worker
from assistant.llm.fake import FakeChatModel
from assistant.runtime import Runtime
from tests.fakes import HashingEmbeddings
from tests.security.conftest import PASSWORDS, security_settings
from tests.support.dev_idp import DevIdp

SECRET_FIGURE = "8765432"
PUBLIC_CSV = "code;commune;population\n99001;Démoville;12000\n99002;Exempleville;3400\n"
SECRET_CSV = f"code;commune;subvention\n99001;Démoville;{SECRET_FIGURE}\n99003;Secretbourg;1500\n"
QUESTION = "Montant de la subvention à Démoville"
USERS = {**PASSWORDS, "nadia.lefebvre": "nadia-dev"}


def _card(measure: str, label: str, synonyms: list[str], public: bool) -> DatasetCard:
    return DatasetCard.model_validate({
        "title": label, "vintage": "2024", "licence": "interne", "level": "commune", "code_column": "code",
        "name_column": "commune", "public": public, "columns": {
            "code": {"type": "code", "role": "commune_code"}, "commune": {"role": "commune_name"},
            measure: {"label": label, "measure": measure, "year": 2024, "synonyms": synonyms}}})


class DataApp:
    def __init__(self, client: TestClient, idp: DevIdp, runtime: Runtime) -> None:
        self.client, self.idp, self.runtime, self._tokens = client, idp, runtime, {}

    def headers(self, user: str, kind: str = "access_token") -> dict[str, str]:
        key = f"{user}:{kind}"
        if key not in self._tokens:
            self._tokens[key] = self.idp.login(user, USERS[user])[kind]
        return {"Authorization": f"Bearer {self._tokens[key]}"}


@pytest.fixture(scope="module")
def data_app(idp: DevIdp, tmp_path_factory: pytest.TempPathFactory) -> Iterator[DataApp]:
    folder = tmp_path_factory.mktemp("data-api")
    settings = security_settings(idp, folder / "data", admin={"ingest_roots": [str(folder / "imports")]})
    runtime = Runtime(settings)
    (folder / "population.csv").write_text(PUBLIC_CSV, encoding="utf-8")
    (folder / "subventions.csv").write_text(SECRET_CSV, encoding="utf-8")
    runtime.analysis.add(folder / "population.csv", _card("population", "Population", ["habitants"], True))
    runtime.analysis.add(folder / "subventions.csv", _card("subvention", "Subvention versée", ["subvention"], False),
                         groups=["direction-generale"])
    services = build_services(runtime, model=FakeChatModel(lambda m: "SELECT 1"), embeddings=HashingEmbeddings())
    with TestClient(create_app(settings, services=services), raise_server_exceptions=False) as client:
        yield DataApp(client, idp, runtime)
    runtime.close()


def _ask(app: DataApp, user: str, **body: object) -> dict:
    response = app.client.post("/api/data/ask", json=body, headers=app.headers(user))
    assert response.status_code == 200
    return response.json()


def test_the_groups_analyst_gets_the_figure_and_its_sources(data_app: DataApp) -> None:
    answer = _ask(data_app, "nadia.lefebvre", question=QUESTION)
    assert answer["rows"] == [["Démoville", int(SECRET_FIGURE)]]
    assert answer["datasets"][0]["name"] == "subventions"
    assert "8 765 432" in answer["narrative"].replace("\u202f", " ")


def test_another_analyst_never_sees_the_dataset(data_app: DataApp) -> None:
    client, karim = data_app.client, data_app.headers("karim.haddad")
    answers = [_ask(data_app, "karim.haddad", question=QUESTION),
               _ask(data_app, "karim.haddad", spec={"measure": "subvention",
                                                    "territories": [{"kind": "commune", "code": "99001"}]})]
    for answer in answers:
        assert answer["status"] == "unanswerable" and answer["rows"] == []
        assert answer["datasets"] == [] and answer["sql"] == ""
    exported = client.post("/api/data/export?format=csv", json={"question": QUESTION}, headers=karim)
    listed = client.get("/api/data/datasets", headers=karim)
    detail = client.get("/api/data/datasets/subventions", headers=karim)
    vocabulary = client.get("/api/data/vocabulary?q=secret", headers=karim)
    assert exported.status_code == 409 and detail.status_code == 404
    assert [d["name"] for d in listed.json()] == ["population"]
    assert vocabulary.json()["territories"] == []
    assert all(m["key"] != "subvention" for m in vocabulary.json()["measures"])
    for response in (*answers, exported.text, listed.text, detail.text, vocabulary.text):
        assert SECRET_FIGURE not in str(response) and "Secretbourg" not in str(response)
    assert "source" not in listed.json()[0]  # the server path of the file is for admins


def test_a_written_query_cannot_reach_an_unreadable_table(data_app: DataApp) -> None:
    service = data_app.runtime.analysis
    from assistant.analysis.sqlcheck import SqlRejected, check_sql
    from assistant.principal import Principal

    karim = Principal.of("karim.haddad", roles=["analyst"])
    readable = [d.name for d in service.readable(karim)]
    with pytest.raises(SqlRejected):
        check_sql("SELECT * FROM subventions", readable)
    # Even a query that slipped past the check runs where the table does not exist.
    with pytest.raises(Exception, match="subventions"):
        service.warehouse.execute(service.readable(karim), "SELECT * FROM subventions")


def test_a_territory_code_is_data_not_sql(data_app: DataApp) -> None:
    answer = _ask(data_app, "karim.haddad", spec={"measure": "population", "territories": [
        {"kind": "commune", "code": "99001' OR '1'='1"}]})
    assert answer["status"] == "unanswerable" and answer["rows"] == []


@pytest.mark.parametrize("user", ["claire.martin", "paul.durand"])  # an agent of the group; no role at all
def test_users_without_the_analyst_role_are_refused(data_app: DataApp, user: str) -> None:
    client, headers = data_app.client, data_app.headers(user)
    for method, url, body in [("POST", "/api/data/ask", {"question": QUESTION}),
                              ("POST", "/api/data/export", {"question": QUESTION}),
                              ("GET", "/api/data/datasets", None), ("GET", "/api/data/datasets/subventions", None),
                              ("GET", "/api/data/vocabulary", None), ("GET", "/analyse", None)]:
        response = client.request(method, url, json=body, headers=headers)
        assert response.status_code == 403, url
        assert SECRET_FIGURE not in response.text


def test_id_tokens_and_anonymous_calls_are_refused(data_app: DataApp) -> None:
    id_token = data_app.headers("nadia.lefebvre", "id_token")
    for headers in (id_token, {}):
        response = data_app.client.post("/api/data/ask", json={"question": QUESTION}, headers=headers)
        assert response.status_code == 401 and SECRET_FIGURE not in response.text
        assert data_app.client.get("/api/data/datasets", headers=headers).status_code == 401


def test_dataset_administration_is_for_admins_and_audited(data_app: DataApp) -> None:
    client = data_app.client
    assert client.get("/api/admin/datasets", headers=data_app.headers("karim.haddad")).status_code == 403
    response = client.put("/api/admin/datasets/population/groups", json={"groups": ["urbanisme"]},
                          headers=data_app.headers("admin"))
    assert response.status_code == 200 and response.json()["groups"] == ["urbanisme"]
    assert _ask(data_app, "karim.haddad", question="Population de Démoville")["status"] == "unanswerable"
    client.put("/api/admin/datasets/population/groups", json={"groups": []}, headers=data_app.headers("admin"))
    assert _ask(data_app, "karim.haddad", question="Population de Démoville")["rows"] == [["Démoville", 12000]]
    audit = data_app.runtime.database
    from assistant.audit import AuditLog

    events = AuditLog(audit, data_app.runtime.settings.audit).query(limit=200)
    actions = {(e.username, e.action) for e in events}
    assert ("admin", "admin.set_dataset_groups") in actions and ("karim.haddad", "data.ask") in actions
    asked = next(e for e in events if e.username == "nadia.lefebvre" and e.action == "data.ask" and e.status == 200)
    assert asked.collections == ["subventions"]


def test_an_admin_loads_a_file_of_an_allowed_folder_as_a_job_and_follows_it(data_app: DataApp) -> None:
    client, admin = data_app.client, data_app.headers("admin")
    imports = data_app.runtime.settings.admin.ingest_roots[0]
    imports.mkdir(exist_ok=True)
    (imports / "logements.csv").write_text("code;commune;logements\n99001;Démoville;5400\n", encoding="utf-8")
    (imports / "logements.yaml").write_text(
        _card("logements", "Logements", ["logements"], True).model_dump_json(), encoding="utf-8")
    started = client.post("/api/admin/datasets", headers=admin,
                          json={"path": str(imports / "logements.csv"), "card_path": str(imports / "logements.yaml")})
    assert started.status_code == 202, started.text
    loading = started.json()
    assert loading["status"] == "queued" and loading["files"] == []
    Worker(data_app.runtime, data_app.runtime.job_store, data_app.runtime.job_transport, job_kinds()).run_job(
        loading["id"])
    done = client.get(f"/api/admin/datasets/loadings/{loading['id']}", headers=admin).json()
    assert done["status"] == "succeeded" and done["files"][0]["dataset"] == "logements"
    assert done["files"][0]["rows"] == 1
    assert _ask(data_app, "karim.haddad", question="Nombre de logements à Démoville")["rows"] == [["Démoville", 5400]]
    for user in ("karim.haddad", "nadia.lefebvre"):  # analysts, not admins: neither loads nor follows
        headers = data_app.headers(user)
        assert client.post("/api/admin/datasets", headers=headers,
                           json={"path": str(imports / "logements.csv")}).status_code == 403
        assert client.get(f"/api/admin/datasets/loadings/{loading['id']}", headers=headers).status_code == 403
    assert client.get(f"/api/admin/datasets/loadings/{loading['id']}").status_code == 401


def test_an_admin_cannot_load_a_file_outside_the_allowed_folders(data_app: DataApp, tmp_path: Path) -> None:
    client, admin = data_app.client, data_app.headers("admin")
    imports = data_app.runtime.settings.admin.ingest_roots[0]
    imports.mkdir(exist_ok=True)
    outside = tmp_path / "ailleurs.csv"
    outside.write_text("code;commune;secret\n99001;Démoville;1\n", encoding="utf-8")
    (imports / "lien.csv").symlink_to(outside)
    before = len(data_app.runtime.jobs.recent())
    for path in ("/etc/passwd", str(outside), str(imports / "lien.csv"), str(imports / ".." / "ailleurs.csv"),
                 "relatif.csv"):
        refused = client.post("/api/admin/datasets", headers=admin, json={"path": path})
        assert refused.status_code == 400, path
        assert "admin.ingest_roots" in refused.json()["detail"] or "absolu" in refused.json()["detail"], path
    card_outside = client.post("/api/admin/datasets", headers=admin,
                               json={"path": str(imports / "lien.csv"), "card_path": "/etc/hostname"})
    assert card_outside.status_code == 400
    assert len(data_app.runtime.jobs.recent()) == before  # nothing was queued
    assert client.get("/api/admin/datasets/loadings/999999", headers=admin).status_code == 404

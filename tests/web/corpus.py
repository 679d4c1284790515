"""The small French corpus the browser tests ask about: a two-page PDF, a TXT and a Markdown file."""

from __future__ import annotations

from pathlib import Path

from playwright.sync_api import BrowserContext

ENCOMBRANTS = "Les encombrants sont collectés sur rendez-vous au 01 99 00 00 00."

# Printed to PDF by the test browser itself: the only way to get real page numbers without a PDF library.
REGLEMENT_HTML = f"""<!doctype html><html lang="fr"><head><meta charset="utf-8">
<title>Règlement de collecte des déchets</title></head><body>
<h1>Règlement de collecte des déchets</h1>
<p>Le présent règlement fixe les conditions de collecte des déchets ménagers et assimilés
sur le territoire de la commune. Les bacs sont présentés la veille au soir du jour de collecte.</p>
<div style="break-before: page"></div>
<h2>Encombrants</h2>
<p>{ENCOMBRANTS} Le rendez-vous est fixé dans un délai de quinze jours ;
les objets sont déposés sur le trottoir le matin même, sans gêner le passage des piétons.</p>
</body></html>"""

DECHETTERIES_TXT = """Horaires des déchetteries

Les déchetteries sont ouvertes du lundi au samedi de 9 h à 18 h, et le dimanche de 9 h à 12 h.
L'accès est gratuit pour les particuliers sur présentation d'un justificatif de domicile.
"""

PISCINE_MD = """# Piscine municipale

## Tarifs

Le tarif adulte de la piscine municipale est de 4,50 euros l'entrée.
Les enfants de moins de six ans entrent gratuitement.
"""


def write_corpus(root: Path, context: BrowserContext) -> dict[str, Path]:
    """Two collection folders: `dechets` (PDF + TXT) and `loisirs` (Markdown)."""
    dechets, loisirs = root / "dechets", root / "loisirs"
    dechets.mkdir(parents=True)
    loisirs.mkdir(parents=True)
    page = context.new_page()
    try:
        page.set_content(REGLEMENT_HTML)
        page.pdf(path=str(dechets / "reglement-collecte.pdf"), format="A4")
    finally:
        page.close()
    (dechets / "dechetteries.txt").write_text(DECHETTERIES_TXT, encoding="utf-8")
    (loisirs / "piscine.md").write_text(PISCINE_MD, encoding="utf-8")
    return {"dechets": dechets, "loisirs": loisirs}

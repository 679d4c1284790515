// An answer's text (paragraphs, lists, [n] citation links), its mode badge and its sources list.

import { el, clear, safePath } from "./dom.js";

const INLINE = /\[(\d{1,3})\]|\*\*([^*\n]+)\*\*/g;
const LIST_ITEM = /^\s*(?:[-*•]|\d{1,2}[.)])\s+/;

export const MODES = {
  extractive: { label: "Réponse extractive : citations exactes des documents", tone: "extractive" },
  generative: { label: "Réponse rédigée par le modèle", tone: "generative" },
  none: { label: "Aucune source pertinente", tone: "none" },
};

export function sourceLabel(source) {
  const page = source.page ? `, page ${source.page}` : "";
  return `Source ${source.number} : ${source.title || source.source}${page}`;
}

function citation(number, sources) {
  const source = sources.find((s) => s.number === number);
  if (!source || source.withheld) return `[${number}]`;
  return el("a", { className: "citation", href: safePath(source.url), "aria-label": sourceLabel(source),
                   title: sourceLabel(source) }, `[${number}]`);
}

function inline(text, sources) {
  const nodes = [];
  let last = 0;
  for (const match of text.matchAll(INLINE)) {
    nodes.push(text.slice(last, match.index));
    nodes.push(match[1] ? citation(Number(match[1]), sources) : el("strong", {}, match[2]));
    last = match.index + match[0].length;
  }
  nodes.push(text.slice(last));
  return nodes;
}

// Lines starting with "-", "*" or "1." become list items, other lines paragraphs; blank lines
// between two items keep them in one list (the extractive template separates its quotes so).
export function renderAnswer(container, text, sources) {
  clear(container);
  let list = null;
  let paragraph = null;
  for (const line of text.split("\n")) {
    if (!line.trim()) {
      paragraph = null;
      continue;
    }
    if (LIST_ITEM.test(line)) {
      paragraph = null;
      list = list || container.appendChild(el("ul"));
      list.append(el("li", {}, inline(line.replace(LIST_ITEM, ""), sources)));
      continue;
    }
    list = null;
    if (paragraph) paragraph.append(el("br"));
    paragraph = paragraph || container.appendChild(el("p"));
    paragraph.append(...inline(line, sources).filter((node) => node !== ""));
  }
}

export function modeBadge(mode) {
  const known = MODES[mode];
  if (!known) return null;
  return el("p", { className: `badge badge--${known.tone}` }, known.label);
}

function sourceMeta(source) {
  const parts = [el("span", { className: "source__file" }, source.source)];
  if (source.page) parts.push(el("span", { className: "source__page" }, `p. ${source.page}`));
  if (source.section) parts.push(el("span", { className: "source__section" }, source.section));
  return el("p", { className: "source__meta" }, parts);
}

// The same text found in other files (another format, another folder): listed once, under its first place.
function copiesOf(source) {
  const copies = source.also_at || [];
  if (!copies.length) return null;
  return el("p", { className: "source__copies" }, "Aussi dans : ",
    copies.map((copy, index) => [index ? ", " : "",
      el("a", { href: safePath(copy.url) }, copy.source + (copy.page ? ` (p. ${copy.page})` : ""))]));
}

// A source of a collection the user may no longer read: the server sent its number and why, nothing else.
function withheldItem(source) {
  return el("li", { className: "source source--withheld" },
    el("span", { className: "source__number", "aria-hidden": "true" }, String(source.number)),
    el("div", { className: "source__body" }, el("p", { className: "source__head" }, source.reason)));
}

function sourceItem(source, cited) {
  if (source.withheld) return withheldItem(source);
  const isCited = cited.includes(source.number);
  return el("li", { className: isCited ? "source source--cited" : "source" },
    el("span", { className: "source__number", "aria-hidden": "true" }, String(source.number)),
    el("div", { className: "source__body" },
      el("p", { className: "source__head" },
        el("a", { className: "source__link", href: safePath(source.url) },
          el("span", { className: "visually-hidden" }, `Source ${source.number} : `),
          source.title || source.source),
        isCited ? el("span", { className: "source__cited" }, "Citée dans la réponse") : null),
      sourceMeta(source),
      copiesOf(source),
      source.snippet ? el("p", { className: "source__snippet" }, source.snippet) : null));
}

export function renderSources(container, sources, cited = [], maybeUseful = []) {
  clear(container);
  container.append(el("h3", { className: "sources__title" }, "Sources"));
  if (!sources.length) {
    container.append(el("p", { className: "sources__empty" },
      "Aucun passage suffisamment pertinent n'a été trouvé dans les documents auxquels vous avez accès."));
    if (maybeUseful.length) {
      container.append(el("h4", { className: "sources__maybe-title" }, "Peut-être utile"),
        el("ul", { className: "sources__maybe", "aria-label": "Documents peut-être utiles" },
          maybeUseful.map((doc) => el("li", {},
            el("a", { href: safePath(doc.url) }, doc.title || doc.source),
            ` — ${doc.source}${doc.page ? `, p. ${doc.page}` : ""}`))));
    }
    return;
  }
  container.append(el("ol", { className: "sources__list" }, sources.map((s) => sourceItem(s, cited))));
}

// Result tables of data answers, shared by the analysis page and the chat (mixed questions).
import { append, el } from "./dom.js";

export function formatCell(value) {
  if (typeof value !== "number") return value === null || value === undefined ? "" : String(value);
  return value.toLocaleString("fr-FR", { maximumFractionDigits: 6 });
}

export function fillTable(table, columns, rows, caption = "Résultat") {
  const head = el("tr", {}, columns.map((c) => el("th", { scope: "col", text: c })));
  const body = rows.map((row) => el("tr", {}, row.map((v) =>
    el("td", { className: typeof v === "number" ? "number" : "", text: formatCell(v) }))));
  append(table, [el("caption", { className: "visually-hidden", text: caption }), el("thead", {}, head),
    el("tbody", {}, body)]);
  return table;
}

export function datasetSources(datasets) {
  return (datasets || []).map((d) =>
    el("li", {}, el("strong", { text: d.title || d.name }), ` — ${[d.producer, d.vintage, d.licence]
      .filter(Boolean).join(", ")}`));
}

// The territorial analysis page: a question (or the query builder) -> narrative, chart, table, sources, exports.
import { api, ApiError, describeError } from "./api.js";
import { append, clear, el } from "./dom.js";
import { datasetSources, fillTable } from "./tables.js";

const $ = (id) => document.getElementById(id);
let lastRequest = null;
const territories = new Map();

function renderTable(columns, rows) {
  fillTable(clear($("result-table")), columns, rows);
}

function renderAnswer(answer) {
  const section = $("answer");
  section.hidden = false;
  section.classList.toggle("answer--unanswerable", answer.status !== "answered");
  $("narrative").textContent = answer.narrative;
  append(clear($("notes")), (answer.notes || []).map((n) => el("li", { text: n })));
  renderTable(answer.columns || [], answer.rows || []);
  const chart = $("chart");
  chart.hidden = !answer.chart_svg;
  if (answer.chart_svg && answer.chart_svg.startsWith("data:image/svg+xml;base64,")) {
    $("chart-image").src = answer.chart_svg;
    $("chart-image").alt = `Graphique : ${answer.chart.title}`;
    $("chart-caption").textContent = answer.chart.title;
  }
  $("export-png").hidden = !answer.chart;
  $("exports").hidden = answer.status !== "answered";
  append(clear($("sources")), datasetSources(answer.datasets));
  $("sql").textContent = answer.sql || "(aucune requête)";
  $("status").textContent = answer.status === "answered" ? "Réponse affichée." : "Pas de réponse possible.";
}

async function run(request) {
  lastRequest = request;
  $("status").textContent = "Calcul en cours…";
  try {
    renderAnswer(await api("/api/data/ask", { method: "POST", body: { ...request, render_chart: true } }));
  } catch (error) {
    $("answer").hidden = false;
    $("answer").classList.add("answer--unanswerable");
    $("narrative").textContent = describeError(error);
    $("exports").hidden = true;
  }
}

async function download(format) {
  if (!lastRequest) return;
  const response = await fetch(`/api/data/export?format=${format}`, {
    method: "POST", credentials: "same-origin",
    headers: { "Content-Type": "application/json" }, body: JSON.stringify(lastRequest),
  });
  if (!response.ok) {
    $("status").textContent = describeError(new ApiError(response.status));
    return;
  }
  const url = URL.createObjectURL(await response.blob());
  const link = el("a", { href: url, download: `analyse.${format}` });
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10000);
}

async function loadVocabulary(prefix = "") {
  const data = await api(`/api/data/vocabulary?q=${encodeURIComponent(prefix)}`);
  if (!prefix) {
    append(clear($("b-measure")), data.measures.map((m) => el("option", { value: m.key, text: m.label })));
  }
  append(clear($("b-territories")), data.territories.map((t) => {
    territories.set(t.name, t);
    return el("option", { value: t.name });
  }));
}

function builderSpec() {
  const shape = $("b-shape").value;
  const spec = { measure: $("b-measure").value };
  const territory = territories.get($("b-territory").value);
  if (territory) spec.territories = [{ kind: territory.kind, code: territory.code }];
  if (shape !== "total") spec.by_commune = true;
  if (shape === "top" || shape === "bottom") {
    spec.order = shape === "top" ? "desc" : "asc";
    spec.limit = Math.max(1, Number.parseInt($("b-limit").value, 10) || 5);
  }
  return spec;
}

$("ask-form").addEventListener("submit", (event) => {
  event.preventDefault();
  const question = $("question").value.trim();
  $("question-error").hidden = Boolean(question);
  $("question").setAttribute("aria-invalid", question ? "false" : "true");
  if (question) run({ question });
});
$("builder-form").addEventListener("submit", (event) => {
  event.preventDefault();
  run({ spec: builderSpec() });
});
$("b-territory").addEventListener("input", (event) => {
  const value = event.target.value;
  if (value.length >= 2 && !territories.has(value)) loadVocabulary(value).catch(() => {});
});
for (const button of document.querySelectorAll("#exports button")) {
  button.addEventListener("click", () => download(button.dataset.format));
}
$("builder").addEventListener("toggle", () => { if ($("builder").open) loadVocabulary().catch(() => {}); }, { once: true });

// The dataset administration page: readers, removal, loading a file of an allowed folder (queued as a job for
// `assistant worker`, followed here) through the admin JSON API.
import { api, describeError } from "./api.js";
import { append, clear, el } from "./dom.js";

const $ = (id) => document.getElementById(id);

function say(text, failed = false) {
  $("message").hidden = false;
  $("message").textContent = text;
  $("message").classList.toggle("notice--error", failed);
  $("status").textContent = text;
}

function groupsOf(text) {
  return text.split(",").map((g) => g.trim()).filter(Boolean);
}

function row(dataset) {
  const field = el("input", { type: "text", value: dataset.groups.join(", "),
    "aria-label": `Groupes lecteurs de ${dataset.name}` });
  const save = el("button", { type: "button", className: "button button--secondary button--small",
    text: "Enregistrer les lecteurs", onclick: async () => {
      try {
        await api(`/api/admin/datasets/${encodeURIComponent(dataset.name)}/groups`,
          { method: "PUT", body: { groups: groupsOf(field.value) } });
        say(`Lecteurs de ${dataset.name} enregistrés.`);
        await load();
      } catch (error) { say(describeError(error), true); }
    } });
  const remove = el("button", { type: "button", className: "button button--secondary button--small",
    text: "Retirer", onclick: async () => {
      if (!window.confirm(`Retirer le jeu de données ${dataset.name} ?`)) return;
      try {
        await api(`/api/admin/datasets/${encodeURIComponent(dataset.name)}`, { method: "DELETE" });
        say(`${dataset.name} retiré.`);
        await load();
      } catch (error) { say(describeError(error), true); }
    } });
  const title = dataset.inferred ? `${dataset.title} (fiche déduite, à compléter)` : dataset.title;
  return el("tr", {}, el("td", { text: dataset.name }), el("td", { text: title }),
    el("td", { className: "number", text: dataset.rows.toLocaleString("fr-FR") }),
    el("td", { text: dataset.vintage }), el("td", { text: dataset.licence }),
    el("td", {}, field), el("td", {}, save, " ", remove));
}

async function load() {
  const datasets = await api("/api/admin/datasets");
  append(clear(document.querySelector("#datasets tbody")), datasets.map(row));
}

function outcomeText(loading) {
  if (loading.status === "queued") return "Chargement en attente d'un processus `assistant worker`…";
  if (!loading.finished) return `Chargement en cours : ${loading.current_file || ""}`;
  const lines = loading.files.map((file) => (file.status === "failed"
    ? `${file.path} : échec — ${file.reason}`
    : `${file.dataset} : ${file.status === "unchanged" ? "inchangé" : "chargé"} (${file.rows.toLocaleString("fr-FR")} lignes)`
      + (file.warnings.length ? ` ; ${file.warnings.join(" ; ")}` : "")));
  if (loading.status === "cancelled") lines.push("Chargement annulé.");
  return lines.join("\n") || loading.error || loading.status;
}

async function follow(loading) {
  while (!loading.finished) {
    say(outcomeText(loading));
    await new Promise((resolve) => { setTimeout(resolve, 1000); });
    loading = await api(`/api/admin/datasets/loadings/${loading.id}`);
  }
  const failed = loading.status !== "succeeded" || loading.files.some((file) => file.status === "failed");
  say(outcomeText(loading), failed);
  await load();
}

$("add-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  const groups = groupsOf($("add-groups").value);
  const body = { path: $("add-path").value.trim(), card_path: $("add-card").value.trim() || null,
    groups: groups.length ? groups : null, public: groups.length === 0 };
  try {
    await follow(await api("/api/admin/datasets", { method: "POST", body }));
  } catch (error) {
    say(error.detail || describeError(error), true);
  }
});
load().catch((error) => say(describeError(error), true));

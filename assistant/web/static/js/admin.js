// The admin page: collections, the ingestion form and the live panel of one ingestion (polled every second).

import { api, ApiError, describeError } from "./api.js";
import { clear, el } from "./dom.js";

const BASE = "/api/admin/ingestions";
const POLL_MS = 1000;
const STATUS = {
  queued: "En attente d'un processus de traitement",
  running: "En cours",
  succeeded: "Terminée",
  failed: "Échouée",
  cancelled: "Annulée",
};
const $ = (id) => document.getElementById(id);
let followed = null;
let timer = null;

function message(error) {
  // The server's own French words for what the admin asked (folder refused, nothing to retry...).
  if (error instanceof ApiError && [400, 404, 409].includes(error.status) && error.detail) return error.detail;
  return describeError(error);
}

function show(node, text) {
  node.textContent = text || "";
  node.hidden = !text;
}

function when(stamp) {
  return stamp ? new Date(stamp).toLocaleString("fr-FR", { dateStyle: "short", timeStyle: "medium" }) : "—";
}

function duration(seconds) {
  if (seconds === null || seconds === undefined) return "—";
  const total = Math.max(1, Math.round(seconds));
  const minutes = Math.floor(total / 60);
  const rest = total % 60;
  return minutes ? `environ ${minutes} min ${rest} s` : `environ ${rest} s`;
}

function statusLabel(job) {
  if (job.cancel_requested && !job.finished) return "Annulation demandée (après le fichier en cours)";
  return STATUS[job.status] || job.status;
}

async function loadCollections() {
  try {
    const { collections } = await api(`${BASE}/collections`);
    const body = clear($("collections-body"));
    for (const c of collections) {
      const readers = c.public ? "tous les agents" : c.groups.join(", ");
      const job = c.last_job ? `n° ${c.last_job.id} – ${STATUS[c.last_job.status] || c.last_job.status}` +
        (c.last_job.finished_at ? ` le ${when(c.last_job.finished_at)}` : "") : "—";
      body.append(el("tr", {}, el("th", { scope: "row", text: c.name }), el("td", { text: readers }),
        el("td", { text: String(c.documents) }), el("td", { text: when(c.last_ingested_at) }),
        el("td", { text: job })));
    }
    if (!collections.length) body.append(el("tr", {}, el("td", { colspan: 5, text: "Aucune collection." })));
    clear($("collection-names")).append(...collections.map((c) => el("option", { value: c.name })));
    show($("collections-error"), "");
  } catch (error) {
    show($("collections-error"), message(error));
  }
}

async function loadRecent() {
  try {
    const jobs = await api(`${BASE}?limit=10`);
    const list = clear($("recent"));
    $("recent-empty").hidden = jobs.length > 0;
    for (const job of jobs) {
      list.append(el("li", {},
        el("span", { text: `n° ${job.id}` }),
        el("span", { className: `status status--${job.status}`, text: STATUS[job.status] || job.status }),
        el("span", { text: `${job.collection} ← ${job.folder}` }),
        el("span", { text: `${job.files_done} / ${job.files_total ?? "?"} fichiers` }),
        el("button", { type: "button", className: "button button--secondary button--small",
          "aria-label": `Suivre l'ingestion n° ${job.id}`, text: "Suivre", onclick: () => follow(job.id) })));
    }
  } catch {
    // the panel and the collections say what is wrong; this list is only a convenience
  }
}

function renderJob(job) {
  $("job").hidden = false;
  $("job-title").textContent = `Ingestion n° ${job.id} dans « ${job.collection} »` +
    (job.retry_of ? ` (relance des échecs de la n° ${job.retry_of})` : "");
  const state = statusLabel(job);
  if ($("job-state").textContent !== state) $("job-state").textContent = state;
  $("job-folder").textContent = job.folder;
  const total = job.files_total ?? 0;
  const progress = $("job-progress");
  progress.max = Math.max(total, 1);
  progress.value = job.status === "succeeded" && !total ? 1 : job.files_done;
  $("job-count").textContent = job.files_total === null
    ? "Recherche des fichiers…" : `${job.files_done} / ${total} fichiers traités`;
  progress.setAttribute("aria-valuetext", $("job-count").textContent);
  $("job-current").textContent = !job.finished && job.current_file ? job.current_file : "—";
  $("job-eta").textContent = job.finished ? "—" : duration(job.eta_seconds);
  show($("job-error"), job.error || "");
  $("failures-count").textContent = String(job.failures_total);
  $("failures-empty").hidden = job.failures_total > 0;
  clear($("failures")).append(...job.failures.map((f) => el("li", {},
    el("span", { className: "failure__path", text: f.path }),
    el("span", { className: "failure__reason", text: f.reason || "raison inconnue" }))));
  $("job-cancel").hidden = job.finished;
  $("job-retry").hidden = !(job.finished && job.failures_total > 0);
}

async function poll() {
  if (followed === null) return;
  const id = followed;
  try {
    const job = await api(`${BASE}/${id}`);
    if (id !== followed) return;
    renderJob(job);
    show($("job-action-error"), "");
    if (job.finished) {
      await Promise.all([loadCollections(), loadRecent()]);
      return;
    }
  } catch (error) {
    show($("job-action-error"), message(error));
  }
  timer = window.setTimeout(poll, POLL_MS);
}

function follow(id) {
  window.clearTimeout(timer);
  followed = id;
  poll();
}

async function act(button, path, errorNode) {
  button.disabled = true;
  try {
    const job = await api(path, { method: "POST" });
    show(errorNode, "");
    follow(job.id);
    loadRecent();
  } catch (error) {
    show(errorNode, message(error));
  } finally {
    button.disabled = false;
  }
}

async function submit(event) {
  event.preventDefault();
  const form = event.currentTarget;
  const folder = form.folder.value.trim();
  const collection = form.collection.value.trim();
  if (!folder || !collection) {
    show($("ingest-error"), "Indiquez le dossier et la collection.");
    (folder ? form.collection : form.folder).focus();
    return;
  }
  const groups = form.groups.value.split(",").map((g) => g.trim()).filter(Boolean);
  const body = { folder, collection, groups: groups.length ? groups : null,
    public: form.public.checked, sync: form.sync.checked };
  const button = $("ingest-submit");
  button.disabled = true;
  try {
    const job = await api(BASE, { method: "POST", body });
    show($("ingest-error"), "");
    follow(job.id);
    loadRecent();
  } catch (error) {
    show($("ingest-error"), message(error));
  } finally {
    button.disabled = false;
  }
}

$("ingest-form").addEventListener("submit", submit);
$("job-cancel").addEventListener("click", (e) => act(e.currentTarget, `${BASE}/${followed}/cancel`, $("job-action-error")));
$("job-retry").addEventListener("click", (e) => act(e.currentTarget, `${BASE}/${followed}/retry`, $("job-action-error")));
loadCollections();
loadRecent();

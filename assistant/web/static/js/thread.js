// The messages of the open conversation: stored ones, and the answer being streamed.

import { el } from "./dom.js";
import { feedbackWidget } from "./feedback.js";
import { modeBadge, renderAnswer, renderSources } from "./render.js";
import { datasetSources, fillTable } from "./tables.js";

export function userMessage(text) {
  return el("article", { className: "message message--user" },
    el("h2", { className: "visually-hidden" }, "Votre question"),
    el("p", { className: "message__text" }, text));
}

function assistantShell() {
  const view = {
    badge: el("div", { className: "message__badge" }),
    answer: el("div", { className: "answer" }),
    sources: el("section", { className: "sources", "aria-label": "Sources de la réponse" }),
    data: el("section", { className: "data-answer", "aria-label": "Données de la réponse", hidden: true }),
    footer: el("div", { className: "message__footer" }),
  };
  view.root = el("article", { className: "message message--assistant" },
    el("h2", { className: "visually-hidden" }, "Réponse de l'assistant"),
    view.badge, view.answer, view.data, view.sources, view.footer);
  return view;
}

// The table answer of a question's data part (« … et combien d'habitants compte la commune ? »).
function showData(view, data) {
  if (!data || !data.columns) return;
  view.data.hidden = false;
  view.data.replaceChildren(
    el("h3", { className: "data-answer__title" }, "Données"),
    el("div", { className: "answer__table-wrap" },
      fillTable(el("table", { className: "answer__table" }), data.columns, data.rows || [], "Données calculées")),
    el("ul", { className: "data-answer__sources", "aria-label": "Jeux de données" }, ...datasetSources(data.datasets)));
}

function finish(view, { answer, sources, citations, mode, messageId, rating, maybeUseful }) {
  view.badge.replaceChildren(modeBadge(mode) || "");
  renderAnswer(view.answer, answer, sources);
  renderSources(view.sources, sources, citations, maybeUseful || []);
  if (messageId) view.footer.replaceChildren(feedbackWidget(messageId, rating));
}

export function storedAnswer(message) {
  const view = assistantShell();
  const sources = message.sources || [];
  finish(view, {
    answer: message.content, sources, mode: message.mode, messageId: message.id, rating: message.rating,
    citations: sources.filter((s) => s.cited).map((s) => s.number),
  });
  return view.root;
}

function showError(view, message) {
  view.root.classList.add("message--error");
  view.answer.replaceChildren(el("p", { className: "alert", role: "alert" }, message));
}

// Tokens are painted at most once a frame: re-rendering per token would be wasted work.
export function streamingAnswer() {
  const view = assistantShell();
  view.answer.append(el("p", { className: "answer__pending" }, "Recherche dans les documents…"));
  let text = "";
  let sources = [];
  let painting = false;
  let finished = false;
  const paint = () => {
    painting = false;
    if (!finished) renderAnswer(view.answer, text, sources);
  };
  const schedule = () => {
    if (!painting) {
      painting = true;
      requestAnimationFrame(paint);
    }
  };
  return {
    root: view.root,
    sources(list) {
      sources = list;
      renderSources(view.sources, sources);
    },
    token(delta) {
      text += delta;
      schedule();
    },
    // A generated answer refused by the server's grounding check: its text so far is withdrawn.
    replace(whole) {
      text = whole;
      schedule();
    },
    data(payload) {
      showData(view, payload);
    },
    done(data) {
      finished = true;
      showData(view, data.data);
      finish(view, { answer: data.answer, sources, citations: data.citations || [], mode: data.mode,
                     messageId: data.message_id, rating: null, maybeUseful: data.maybe_useful });
    },
    fail(message) {
      finished = true;
      showError(view, message);
    },
  };
}

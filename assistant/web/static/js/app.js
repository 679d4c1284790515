// The assistant page: wires the composer, the conversation list and the thread together.

import { api, busyMessage, describeError, streamChat } from "./api.js";
import { createSidebar } from "./conversations.js";
import { el, clear } from "./dom.js";
import { storedAnswer, streamingAnswer, userMessage } from "./thread.js";

const $ = (id) => document.getElementById(id);
const ui = {
  thread: $("thread"), welcome: $("welcome"), status: $("status"), form: $("ask-form"),
  question: $("question"), questionError: $("question-error"), mode: $("mode"), send: $("send"),
  collections: $("collection-list"), newConversation: $("new-conversation"),
};
const state = { conversationId: null, busy: false };

// Emptied first so that the same message twice in a row is announced twice.
function announce(message) {
  ui.status.textContent = "";
  setTimeout(() => { ui.status.textContent = message; }, 50);
}

const sidebar = createSidebar({
  list: $("conversation-list"), empty: $("conversations-empty"), announce,
  handlers: { open: (id) => openConversation(id, true), remove: removeConversation },
});

function setConversation(id, push) {
  state.conversationId = id;
  sidebar.select(id);
  const url = id ? `/?conversation=${encodeURIComponent(id)}` : "/";
  history[push ? "pushState" : "replaceState"]({ conversation: id }, "", url);
}

function showThread(nodes) {
  clear(ui.thread).append(...nodes);
  ui.welcome.hidden = nodes.length > 0;
}

function waitForAnswer() {
  if (state.busy) announce("Attendez la fin de la réponse en cours.");
  return state.busy;
}

async function openConversation(id, push) {
  if (waitForAnswer()) return;
  try {
    const conversation = await api(`/api/conversations/${encodeURIComponent(id)}`);
    showThread(conversation.messages.map((m) => (m.role === "user" ? userMessage(m.content) : storedAnswer(m))));
    setConversation(id, push);
    ui.thread.scrollTop = ui.thread.scrollHeight;
    announce(`Conversation « ${conversation.title} » ouverte.`);
  } catch (error) {
    announce(describeError(error));
    if (error.status === 404) newConversation(false);
  }
}

function newConversation(push = true) {
  if (waitForAnswer()) return;
  showThread([]);
  setConversation(null, push);
  ui.question.focus();
}

async function removeConversation(id) {
  try {
    await sidebar.remove(id);
    announce("Conversation supprimée.");
    if (id === state.conversationId) newConversation(false);
    ui.newConversation.focus();
  } catch (error) {
    announce(describeError(error));
  }
}

function collectionBox(collection, index) {
  const id = `collection-${index}`;
  return el("div", { className: "checkbox" },
    el("input", { type: "checkbox", id, name: "collections", value: collection.name }),
    el("label", { for: id }, collection.name, " ",
      el("span", { className: "checkbox__count" }, `(${collection.documents} doc.)`)));
}

async function loadCollections() {
  try {
    const collections = await api("/api/collections");
    ui.collections.append(...collections.map(collectionBox));
    if (!collections.length) {
      ui.collections.append(el("p", { className: "hint" }, "Aucune collection ne vous est ouverte pour l'instant."));
    }
  } catch (error) {
    ui.collections.append(el("p", { className: "hint" }, describeError(error)));
  }
}

function selectedCollections() {
  const names = [...ui.collections.querySelectorAll("input:checked")].map((input) => input.value);
  return names.length ? names : null;
}

function setBusy(busy) {
  state.busy = busy;
  ui.send.disabled = busy;
  ui.send.textContent = busy ? "Réponse en cours…" : "Envoyer";
  ui.thread.setAttribute("aria-busy", String(busy));
}

function handle(answer, { kind, data }) {
  if (kind === "meta" && data.conversation_id && data.conversation_id !== state.conversationId) {
    setConversation(data.conversation_id, false);
  } else if (kind === "sources") {
    answer.sources(data.sources || []);
  } else if (kind === "token") {
    answer.token(data.text || "");
  } else if (kind === "replace") {
    answer.replace(data.answer || "");
  } else if (kind === "data") {
    answer.data(data);
  } else if (kind === "done") {
    answer.done(data);
    announce("Réponse terminée.");
  } else if (kind === "error") {
    answer.fail(data.retry_after ? busyMessage(data.retry_after) : data.message || busyMessage(null));
  }
  return kind === "done" || kind === "error";
}

async function ask(message) {
  setBusy(true);
  ui.welcome.hidden = true;
  const question = userMessage(message);
  const answer = streamingAnswer();
  ui.thread.append(question, answer.root);
  question.scrollIntoView({ block: "start" });
  announce("Recherche dans les documents…");
  let ended = false;
  const body = { message, conversation_id: state.conversationId, collections: selectedCollections(),
                 mode: ui.mode.value };
  try {
    await streamChat(body, (event) => { ended = handle(answer, event) || ended; });
    if (!ended) answer.fail("La réponse a été interrompue. Réessayez.");
  } catch (error) {
    answer.fail(describeError(error));
    if (!ui.question.value) ui.question.value = message;
  } finally {
    setBusy(false);
    sidebar.refresh();
  }
}

function submit(event) {
  event.preventDefault();
  const message = ui.question.value.trim();
  const empty = !message;
  ui.questionError.hidden = !empty;
  ui.question.setAttribute("aria-invalid", String(empty));
  if (empty) {
    ui.question.focus();
    return;
  }
  if (state.busy) return;
  ui.question.value = "";
  ask(message);
}

function start() {
  ui.form.addEventListener("submit", submit);
  ui.question.addEventListener("keydown", (event) => {
    if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
      event.preventDefault();
      ui.form.requestSubmit();
    }
  });
  ui.newConversation.addEventListener("click", () => newConversation(true));
  window.addEventListener("popstate", () => {
    const id = new URLSearchParams(window.location.search).get("conversation");
    if (id) openConversation(id, false);
    else newConversation(false);
  });
  loadCollections();
  sidebar.refresh();
  const id = new URLSearchParams(window.location.search).get("conversation");
  if (id) openConversation(id, false);
}

start();

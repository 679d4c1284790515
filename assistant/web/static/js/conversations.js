// The left column: the user's conversations, to reopen or delete.

import { api, describeError } from "./api.js";
import { el, clear } from "./dom.js";

function item(conversation, currentId, handlers) {
  const title = conversation.title || "Conversation sans titre";
  const link = el("a", {
    className: "conversations__link", href: `/?conversation=${encodeURIComponent(conversation.id)}`, title,
    "aria-current": conversation.id === currentId ? "page" : null,
  }, title);
  link.addEventListener("click", (event) => {
    if (event.ctrlKey || event.metaKey || event.shiftKey || event.button !== 0) return;
    event.preventDefault();
    handlers.open(conversation.id);
  });
  const remove = el("button", {
    type: "button", className: "conversations__delete", title: "Supprimer",
    "aria-label": `Supprimer la conversation « ${title} »`,
  }, el("span", { className: "conversations__delete-icon", "aria-hidden": "true" }));
  remove.addEventListener("click", () => {
    if (window.confirm(`Supprimer définitivement la conversation « ${title} » ?`)) {
      handlers.remove(conversation.id);
    }
  });
  return el("li", { className: "conversations__item" }, link, remove);
}

export function createSidebar({ list, empty, announce, handlers }) {
  let conversations = [];
  let currentId = null;
  const paint = () => {
    clear(list).append(...conversations.map((c) => item(c, currentId, handlers)));
    empty.hidden = conversations.length > 0;
  };
  return {
    async refresh() {
      try {
        conversations = await api("/api/conversations");
      } catch (error) {
        announce(describeError(error));
      }
      paint();
    },
    select(id) {
      currentId = id;
      paint();
    },
    async remove(id) {
      await api(`/api/conversations/${encodeURIComponent(id)}`, { method: "DELETE" });
      conversations = conversations.filter((c) => c.id !== id);
      paint();
    },
  };
}

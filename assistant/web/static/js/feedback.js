// Thumbs up/down under an answer, then an optional comment sent with the same rating.

import { api, describeError } from "./api.js";
import { el } from "./dom.js";

let widgets = 0;

function thumb(rating, label, tone) {
  return el("button", { type: "button", className: `feedback__button feedback__button--${tone}`,
                        "aria-pressed": "false", "data-rating": String(rating) },
    el("span", { className: "feedback__icon", "aria-hidden": "true" }), label);
}

function commentForm(id) {
  return el("form", { className: "feedback__comment", hidden: true },
    el("label", { className: "label", for: id }, "Un commentaire ? (facultatif)"),
    el("textarea", { id, rows: "2", maxlength: "4000", "aria-describedby": `${id}-hint` }),
    el("p", { className: "hint", id: `${id}-hint` },
      "Ce commentaire aide l'équipe à améliorer les réponses. N'y mettez pas de données personnelles."),
    el("button", { type: "submit", className: "button button--secondary" }, "Envoyer le commentaire"));
}

export function feedbackWidget(messageId, initialRating = null) {
  const id = `feedback-${++widgets}`;
  const buttons = [thumb(1, "Utile", "up"), thumb(-1, "Pas utile", "down")];
  const form = commentForm(`${id}-comment`);
  const status = el("p", { className: "feedback__status", role: "status" });
  const root = el("div", { className: "feedback", role: "group", "aria-labelledby": `${id}-label` },
    el("p", { className: "feedback__row" },
      el("span", { className: "feedback__label", id: `${id}-label` }, "Cette réponse vous a-t-elle aidé ?"),
      buttons),
    form, status);
  let rating = initialRating;
  const show = () => buttons.forEach((b) => b.setAttribute("aria-pressed", String(Number(b.dataset.rating) === rating)));
  const send = async (comment, thanks) => {
    try {
      await api(`/api/messages/${encodeURIComponent(messageId)}/feedback`, { method: "POST", body: { rating, comment } });
      status.textContent = thanks;
    } catch (error) {
      status.textContent = describeError(error);
    }
  };
  buttons.forEach((button) => button.addEventListener("click", async () => {
    rating = Number(button.dataset.rating);
    show();
    form.hidden = false;
    await send("", "Merci pour votre avis.");
  }));
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    await send(form.querySelector("textarea").value.trim(), "Commentaire envoyé, merci.");
  });
  show();
  return root;
}

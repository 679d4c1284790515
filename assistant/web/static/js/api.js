// The JSON API and the chat stream (POST + Server-Sent Events read with fetch: EventSource cannot POST).

export class ApiError extends Error {
  constructor(status, detail = "", retryAfter = null) {
    super(detail || `HTTP ${status}`);
    this.status = status;
    this.detail = detail;
    this.retryAfter = retryAfter;
  }
}

async function errorFrom(response) {
  let detail = "";
  try {
    const body = await response.json();
    detail = typeof body.detail === "string" ? body.detail : "";
  } catch {
    // not JSON (a proxy's error page): the status says enough
  }
  const retryAfter = Number.parseInt(response.headers.get("Retry-After") || "", 10);
  return new ApiError(response.status, detail, Number.isFinite(retryAfter) ? retryAfter : null);
}

export async function api(path, { method = "GET", body } = {}) {
  const headers = { Accept: "application/json" };
  if (body !== undefined) headers["Content-Type"] = "application/json";
  const response = await fetch(path, {
    method, headers, credentials: "same-origin",
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (!response.ok) throw await errorFrom(response);
  return response.status === 204 ? null : response.json();
}

function parseEvent(block) {
  let kind = "message";
  const data = [];
  for (const line of block.split("\n")) {
    if (!line || line.startsWith(":")) continue;
    const colon = line.indexOf(":");
    const field = colon < 0 ? line : line.slice(0, colon);
    let value = colon < 0 ? "" : line.slice(colon + 1);
    if (value.startsWith(" ")) value = value.slice(1);
    if (field === "event") kind = value;
    else if (field === "data") data.push(value);
  }
  return data.length ? { kind, data: JSON.parse(data.join("\n")) } : null;
}

export async function streamChat(body, onEvent, signal) {
  const response = await fetch("/api/chat/stream", {
    method: "POST", credentials: "same-origin", signal,
    headers: { Accept: "text/event-stream", "Content-Type": "application/json" },
    body: JSON.stringify(body),
  });
  if (!response.ok) throw await errorFrom(response);
  const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = "";
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    buffer = (buffer + value).replace(/\r\n/g, "\n");
    let end;
    while ((end = buffer.indexOf("\n\n")) >= 0) {
      const event = parseEvent(buffer.slice(0, end));
      buffer = buffer.slice(end + 2);
      if (event) onEvent(event);
    }
  }
}

export function busyMessage(seconds) {
  return seconds
    ? `Le service est très sollicité, réessayez dans ${seconds} s.`
    : "Le service est très sollicité, réessayez dans quelques secondes.";
}

export function describeError(error) {
  if (!(error instanceof ApiError)) {
    return "Le service ne répond pas. Vérifiez votre connexion puis réessayez.";
  }
  switch (error.status) {
    case 503: return busyMessage(error.retryAfter);
    case 401: return "Votre session a expiré : rechargez la page pour vous reconnecter.";
    case 403: return "Accès refusé : votre compte n'a pas le rôle nécessaire pour cette action.";
    case 404: return "Introuvable : cet élément n'existe plus ou ne vous est pas accessible.";
    case 422: return "La demande est incomplète ou trop longue (4 000 caractères au plus).";
    default: return `Une erreur est survenue (code ${error.status}). Réessayez dans un instant.`;
  }
}

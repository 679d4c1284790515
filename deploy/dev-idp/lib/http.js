// Petits utilitaires HTTP (corps de formulaire, réponses JSON/HTML, auth client).
import { secretsEqual } from './realm.js';

const BODY_LIMIT = 64 * 1024;

export async function readBody(req) {
  const chunks = [];
  let size = 0;
  for await (const chunk of req) {
    size += chunk.length;
    if (size > BODY_LIMIT) throw Object.assign(new Error('corps de requête trop gros'), { status: 413 });
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}

export async function readForm(req) {
  const raw = await readBody(req);
  return { raw, form: new URLSearchParams(raw) };
}

function securityHeaders(res) {
  res.setHeader('Cache-Control', 'no-store');
  res.setHeader('Pragma', 'no-cache');
  res.setHeader('X-Content-Type-Options', 'nosniff');
}

export function sendJson(res, status, body, headers = {}) {
  securityHeaders(res);
  for (const [k, v] of Object.entries(headers)) res.setHeader(k, v);
  if (status === 204) {
    res.statusCode = 204;
    res.end();
    return;
  }
  const data = JSON.stringify(body);
  res.statusCode = status;
  res.setHeader('Content-Type', 'application/json; charset=utf-8');
  res.setHeader('Content-Length', Buffer.byteLength(data));
  res.end(data);
}

export function sendHtml(res, status, html) {
  securityHeaders(res);
  res.statusCode = status;
  res.setHeader('Content-Type', 'text/html; charset=utf-8');
  res.setHeader('Content-Security-Policy',
    "default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; frame-ancestors 'none'; base-uri 'none'");
  res.setHeader('Content-Length', Buffer.byteLength(html));
  res.end(html);
}

/**
 * Confidential client authentication, client_secret_basic or client_secret_post
 * (Keycloak accepts both). Returns the realm client or undefined.
 */
export function authenticateClient(req, form, realm) {
  let clientId;
  let secret;
  const header = req.headers.authorization;
  if (header && /^basic /i.test(header)) {
    const decoded = Buffer.from(header.slice(6).trim(), 'base64').toString('utf8');
    const i = decoded.indexOf(':');
    if (i < 0) return undefined;
    clientId = decodeURIComponent(decoded.slice(0, i).replace(/\+/g, '%20'));
    secret = decodeURIComponent(decoded.slice(i + 1).replace(/\+/g, '%20'));
  } else {
    clientId = form.get('client_id');
    secret = form.get('client_secret');
  }
  const client = clientId ? realm.findClient(clientId) : undefined;
  if (!client || client.public || !secret || !secretsEqual(client.secret, secret)) return undefined;
  return client;
}

export function isLoopback(req) {
  const addr = req.socket.remoteAddress ?? '';
  return addr === '::1' || addr.startsWith('127.') || addr.startsWith('::ffff:127.');
}

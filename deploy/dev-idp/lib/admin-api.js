// API d'administration de Keycloak (/admin/realms/<realm>/...), le sous-ensemble en lecture
// qu'utilise l'annuaire de l'assistant (python-keycloak KeycloakAdmin) : voir lib/admin-users.js.
//
// Sécurité comme Keycloak : jeton d'accès Bearer émis par ce royaume (signature, émetteur,
// expiration, typ "Bearer"), sinon 401 ; puis les rôles du client realm-management du sujet
// du jeton (ici : le compte de service d'un client, `service_account` dans le YAML), sinon 403.
import { sendJson } from './http.js';
import { bearer, verifyAccessToken } from './keycloak.js';
import { userPermissions } from './service-accounts.js';
import {
  AdminError, directRealmRoles, effectiveRealmRoles, getUser, listUsers, userGroups,
} from './admin-users.js';

export const ADMIN_PREFIX = '/admin/';

const ROUTES = [
  [/^\/users$/, listUsers],
  [/^\/users\/([^/]+)$/, getUser],
  [/^\/users\/([^/]+)\/groups$/, userGroups],
  [/^\/users\/([^/]+)\/role-mappings\/realm$/, directRealmRoles],
  [/^\/users\/([^/]+)\/role-mappings\/realm\/composite$/, effectiveRealmRoles],
];

/** The token's subject and what it may do, or undefined (no token, invalid, expired, unknown or disabled subject). */
async function authenticate(req, { issuer, keys, realm }) {
  const token = bearer(req);
  if (!token) return undefined;
  let payload;
  try {
    payload = await verifyAccessToken(token, { issuer, keys });
  } catch {
    return undefined;
  }
  if (payload.typ !== 'Bearer') return undefined;
  const subject = realm.findSubject(payload.sub);
  if (!subject?.enabled) return undefined;
  return { subject, permissions: userPermissions(realm.adminRolesOf(subject)) };
}

function decoded(segment) {
  try {
    return decodeURIComponent(segment);
  } catch {
    return undefined; // malformed escape: matches nothing
  }
}

function route(rest) {
  for (const [pattern, handler] of ROUTES) {
    const match = pattern.exec(rest);
    if (match) return { handler, id: match[1] === undefined ? undefined : decoded(match[1]) };
  }
  return undefined;
}

/** GET /admin/realms/<realm>/users... ; everything else under /admin/ is 401, 404 or 405. */
export async function handleAdminApi({ req, res, issuer, realm, keys, log }) {
  const url = new URL(req.url, 'http://127.0.0.1');
  const auth = await authenticate(req, { issuer, keys, realm });
  if (!auth) {
    sendJson(res, 401, { error: 'HTTP 401 Unauthorized' }, { 'WWW-Authenticate': `Bearer realm="${realm.name}"` });
    return;
  }
  const target = /^\/admin\/realms\/([^/]+)(\/.*)?$/.exec(url.pathname);
  if (target && decoded(target[1]) !== realm.name) {
    sendJson(res, 404, { error: 'Realm not found.' });
    return;
  }
  const found = target ? route(target[2] ?? '') : undefined;
  if (!found) {
    sendJson(res, 404, { error: 'HTTP 404 Not Found' });
    return;
  }
  if (req.method !== 'GET') {
    sendJson(res, 405, { error: 'HTTP 405 Method Not Allowed' }, { Allow: 'GET' });
    return;
  }
  try {
    sendJson(res, 200, found.handler({ realm, auth, id: found.id, query: url.searchParams }));
  } catch (err) {
    if (!(err instanceof AdminError)) throw err;
    if (err.status === 403) log(`API d'administration : ${url.pathname} refusé à "${auth.subject.username}" (403)`);
    sendJson(res, err.status, { error: err.message });
  }
}

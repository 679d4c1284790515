// Ressources « users » de l'API d'administration de Keycloak, en lecture :
//   GET /admin/realms/<realm>/users                                  (recherche, pagination)
//   GET /admin/realms/<realm>/users/<id>
//   GET /admin/realms/<realm>/users/<id>/groups
//   GET /admin/realms/<realm>/users/<id>/role-mappings/realm[/composite]
// Droits comme Keycloak sans « fine-grained permissions » : lister demande query-users,
// voir un utilisateur view-users (query-users seul liste... personne).
import {
  groupRepresentation, realmRoleRepresentation, userRepresentation,
} from './admin-representations.js';

const DEFAULT_MAX_USERS = 100; // Keycloak's Constants.DEFAULT_MAX_RESULTS
const USER_FIELDS = ['username', 'email', 'firstName', 'lastName'];

export class AdminError extends Error {
  constructor(status, message) {
    super(message);
    this.status = status;
  }
}

const forbidden = () => new AdminError(403, 'HTTP 403 Forbidden');

function intParam(query, name) {
  const raw = query.get(name);
  if (raw === null || raw.trim() === '') return undefined;
  const n = Number(raw);
  if (!Number.isInteger(n)) throw new AdminError(400, `invalid ${name}: ${raw}`);
  return n;
}

// Java's Boolean.valueOf: "true" in any case (python-keycloak sends "True"), anything else false.
function boolParam(query, name, fallback) {
  const raw = query.get(name);
  return raw === null ? fallback : raw.trim().toLowerCase() === 'true';
}

function page(items, query, defaultMax) {
  const first = Math.max(intParam(query, 'first') ?? 0, 0);
  const max = intParam(query, 'max') ?? defaultMax;
  return max === undefined || max < 0 ? items.slice(first) : items.slice(first, first + max);
}

const lower = (value) => String(value ?? '').toLowerCase();

function fieldMatcher(value, exact) {
  const wanted = lower(value.trim());
  return (field) => (exact ? lower(field) === wanted : lower(field).includes(wanted));
}

// `search` (Keycloak >= 22): prefix by default ("foo", "foo*"), infix ("*foo*"), exact ("\"foo\""),
// over username, e-mail, first and last names; "*" or "" lists everyone.
function searchMatcher(search) {
  const s = search.trim();
  if (s === '' || s === '*') return () => true;
  let test;
  if (s.length >= 2 && s.startsWith('"') && s.endsWith('"')) {
    const wanted = lower(s.slice(1, -1));
    test = (v) => v === wanted;
  } else if (s.startsWith('*')) {
    const wanted = lower(s.replace(/^\*+|\*+$/g, ''));
    test = (v) => v.includes(wanted);
  } else {
    const wanted = lower(s.replace(/\*+$/, ''));
    test = (v) => v.startsWith(wanted);
  }
  return (user) => USER_FIELDS.some((field) => test(lower(user[field])));
}

function selectUsers(realm, query) {
  const search = query.get('search');
  if (search !== null) {
    if (search.startsWith('id:')) {
      const user = realm.findSubject(search.slice(3).trim());
      return user ? [user] : [];
    }
    return realm.users.filter(searchMatcher(search));
  }
  const exact = boolParam(query, 'exact', false);
  const filters = USER_FIELDS.filter((f) => query.get(f) !== null).map((f) => [f, fieldMatcher(query.get(f), exact)]);
  if (filters.length === 0) return [...realm.users];
  // Searches on attributes include service-account users (Keycloak's UsersResource does too).
  return [...realm.users, ...realm.serviceAccounts].filter((u) => filters.every(([f, match]) => match(u[f])));
}

const byKey = (key) => (a, b) => (a[key] < b[key] ? -1 : Number(a[key] > b[key]));

export function listUsers({ realm, auth, query }) {
  if (!auth.permissions.query) throw forbidden();
  if (!auth.permissions.view) return []; // each user is filtered by "can view"
  const brief = boolParam(query, 'briefRepresentation', false);
  const users = selectUsers(realm, query).sort(byKey('username'));
  return page(users, query, DEFAULT_MAX_USERS)
    .map((user) => userRepresentation(user, { brief, permissions: auth.permissions }));
}

function targetUser({ realm, auth, id }) {
  const user = realm.findSubject(id);
  // Keycloak answers 403 rather than 404 to callers who may not even query, so ids cannot be probed.
  if (!user) throw auth.permissions.query ? new AdminError(404, 'User not found') : forbidden();
  if (!auth.permissions.view) throw forbidden();
  return user;
}

export function getUser(request) {
  return userRepresentation(targetUser(request), { permissions: request.auth.permissions });
}

export function userGroups(request) {
  const { realm, query } = request;
  const user = targetUser(request);
  const brief = boolParam(query, 'briefRepresentation', true);
  const search = lower(query.get('search') ?? '');
  const groups = user.groups.map((path) => groupRepresentation(realm, path, { brief }))
    .filter((group) => lower(group.name).includes(search))
    .sort(byKey('name'));
  return page(groups, query, undefined);
}

export function directRealmRoles(request) {
  const { realm } = request;
  return realm.directRealmRoles(targetUser(request)).map((name) => realmRoleRepresentation(realm, name));
}

export function effectiveRealmRoles(request) {
  const { realm, query } = request;
  const brief = boolParam(query, 'briefRepresentation', true);
  return realm.effectiveRealmRoles(targetUser(request))
    .map((name) => realmRoleRepresentation(realm, name, { brief }));
}

// Chargement du royaume de développement (utilisateurs, rôles, groupes, clients)
// depuis un fichier YAML, et fabrication des claims au format Keycloak.
import { createHash, timingSafeEqual } from 'node:crypto';
import { readFileSync } from 'node:fs';

import YAML from 'yaml';

import {
  REALM_MANAGEMENT, effectiveAdminRoles, parseServiceAccount, serviceAccountClaims,
} from './service-accounts.js';

const USERNAME_RE = /^[a-z0-9][a-z0-9._@-]*$/i;

function fail(file, message) {
  throw new Error(`${file}: ${message}`);
}

function stringList(file, value, what) {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value) || value.some((v) => typeof v !== 'string' || v === '')) {
    fail(file, `${what} doit être une liste de chaînes non vides`);
  }
  return [...value];
}

// Keycloak's "Group Membership" mapper with "Full group path" ON (its default)
// emits "/parent/child". The YAML may write "urbanisme" or "/pole/urbanisme".
export function groupPath(group) {
  return `/${group.replace(/^\/+/, '').replace(/\/+$/, '')}`;
}

// Keycloak user ids are UUIDs; derive a stable one so that `sub` does not
// change between restarts (the app may key its own rows on it).
export function stableUuid(realm, username) {
  const h = createHash('sha256').update(`dev-idp:${realm}:${username}`).digest('hex');
  const variant = ((parseInt(h[16], 16) & 0x3) | 0x8).toString(16);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-5${h.slice(13, 16)}-${variant}${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

export function secretsEqual(a, b) {
  const ha = createHash('sha256').update(String(a)).digest();
  const hb = createHash('sha256').update(String(b)).digest();
  return timingSafeEqual(ha, hb);
}

function parseUser(file, raw, index, realmName, knownRoles, knownGroups) {
  const where = `users[${index}]`;
  if (!raw || typeof raw !== 'object') fail(file, `${where} doit être un objet`);
  const { username, password } = raw;
  if (typeof username !== 'string' || !USERNAME_RE.test(username)) {
    fail(file, `${where}.username manquant ou invalide`);
  }
  if (typeof password !== 'string' || password === '') fail(file, `${where}.password manquant`);
  const roles = stringList(file, raw.roles, `${where}.roles`);
  const groups = stringList(file, raw.groups, `${where}.groups`).map(groupPath);
  if (knownRoles) {
    const unknown = roles.filter((r) => !knownRoles.has(r));
    if (unknown.length) fail(file, `${where}: rôle(s) non déclaré(s) dans "roles": ${unknown.join(', ')}`);
  }
  if (knownGroups) {
    const unknown = groups.filter((g) => !knownGroups.has(g));
    if (unknown.length) fail(file, `${where}: groupe(s) non déclaré(s) dans "groups": ${unknown.join(', ')}`);
  }
  if (raw.enabled !== undefined && typeof raw.enabled !== 'boolean') fail(file, `${where}.enabled doit être un booléen`);
  const firstName = raw.first_name ?? raw.firstName ?? '';
  const lastName = raw.last_name ?? raw.lastName ?? '';
  return {
    id: raw.id ? String(raw.id) : stableUuid(realmName, username.toLowerCase()),
    username: username.toLowerCase(), // Keycloak stores usernames lower-cased
    password,
    email: raw.email ?? undefined,
    emailVerified: raw.email_verified ?? true,
    enabled: raw.enabled !== false, // a disabled account cannot log in (Keycloak: "Account is disabled")
    firstName,
    lastName,
    roles,
    groups,
  };
}

function parseClient(file, raw, index) {
  const where = `clients[${index}]`;
  if (!raw || typeof raw !== 'object') fail(file, `${where} doit être un objet`);
  const clientId = raw.client_id ?? raw.clientId;
  if (typeof clientId !== 'string' || clientId === '') fail(file, `${where}.client_id manquant`);
  const publicClient = raw.public === true;
  const secret = raw.secret ?? raw.client_secret;
  if (!publicClient && (typeof secret !== 'string' || secret === '')) {
    fail(file, `${where}.secret manquant (client confidentiel)`);
  }
  return {
    clientId,
    name: raw.name ?? clientId,
    public: publicClient,
    secret: publicClient ? undefined : secret,
    redirectUris: stringList(file, raw.redirect_uris, `${where}.redirect_uris`),
    postLogoutRedirectUris: stringList(file, raw.post_logout_redirect_uris, `${where}.post_logout_redirect_uris`),
    audience: raw.audience ?? clientId,
    serviceAccount: parseServiceAccount(raw.service_account, {
      fail: (message) => fail(file, message), where, publicClient,
    }),
  };
}

// Keycloak creates a user "service-account-<client>" for a client with service accounts on;
// its access tokens (client_credentials) have that user's id as `sub`.
function serviceAccountUser(realmName, client) {
  return {
    id: stableUuid(realmName, `service-account:${client.clientId}`), // ':' never occurs in a username
    username: `service-account-${client.clientId.toLowerCase()}`,
    serviceAccountClientId: client.clientId,
    clientRoles: client.serviceAccount.clientRoles,
    emailVerified: false,
    enabled: true,
    firstName: '',
    lastName: '',
    roles: [],
    groups: [],
  };
}

function assertUniqueUsernames(file, accounts) {
  const seen = new Set();
  for (const u of accounts) {
    if (seen.has(u.username)) fail(file, `utilisateur en double: ${u.username}`);
    seen.add(u.username);
  }
}

/**
 * Reads the YAML realm file. `overrides` come from the CLI / environment:
 * { realm, clientId, clientSecret, redirectUris: [], postLogoutRedirectUris: [] }
 * (extra URIs are appended to the client `overrides.clientId`, by default the first one).
 */
export function loadRealm(file, overrides = {}) {
  let doc;
  try {
    doc = YAML.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    throw new Error(`${file}: lecture impossible (${err.message})`);
  }
  if (!doc || typeof doc !== 'object') fail(file, 'document YAML vide ou invalide');

  const name = overrides.realm || doc.realm || 'demo';
  const declaredRoles = doc.roles === undefined ? undefined : stringList(file, doc.roles, 'roles');
  const declaredGroups = doc.groups === undefined ? undefined : stringList(file, doc.groups, 'groups').map(groupPath);
  const defaultRoles = stringList(file, doc.default_roles, 'default_roles')
    .map((r) => r.replaceAll('${realm}', name));

  const knownRoles = declaredRoles ? new Set(declaredRoles) : undefined;
  const knownGroups = declaredGroups ? new Set(declaredGroups) : undefined;

  if (!Array.isArray(doc.users) || doc.users.length === 0) fail(file, '"users" doit être une liste non vide');
  const users = doc.users.map((u, i) => parseUser(file, u, i, name, knownRoles, knownGroups));

  if (!Array.isArray(doc.clients) || doc.clients.length === 0) fail(file, '"clients" doit être une liste non vide');
  const clients = doc.clients.map((c, i) => parseClient(file, c, i));
  const serviceAccounts = clients.filter((c) => c.serviceAccount).map((c) => serviceAccountUser(name, c));
  assertUniqueUsernames(file, [...users, ...serviceAccounts]);

  const target = overrides.clientId
    ? clients.find((c) => c.clientId === overrides.clientId)
    : clients[0];
  if (overrides.clientId && !target) fail(file, `client inconnu: ${overrides.clientId}`);
  if (overrides.clientSecret) {
    if (target.public) fail(file, `le client ${target.clientId} est public : pas de secret`);
    target.secret = overrides.clientSecret;
  }
  for (const uri of overrides.redirectUris ?? []) {
    if (!target.redirectUris.includes(uri)) target.redirectUris.push(uri);
  }
  for (const uri of overrides.postLogoutRedirectUris ?? []) {
    if (!target.postLogoutRedirectUris.includes(uri)) target.postLogoutRedirectUris.push(uri);
  }
  for (const c of clients) {
    if (c.redirectUris.length === 0) fail(file, `client ${c.clientId}: aucune redirect_uri`);
  }

  return new Realm({ name, users, clients, defaultRoles, serviceAccounts });
}

export class Realm {
  constructor({ name, users, clients, defaultRoles, serviceAccounts = [] }) {
    this.name = name;
    this.id = stableUuid(name, 'realm:'); // Keycloak realms have a UUID id (containerId of their roles)
    this.users = users;
    this.clients = clients;
    this.defaultRoles = defaultRoles;
    this.serviceAccounts = serviceAccounts;
    this.byId = new Map(users.map((u) => [u.id, u]));
    this.byUsername = new Map(users.map((u) => [u.username, u]));
    this.subjects = new Map([...users, ...serviceAccounts].map((u) => [u.id, u]));
  }

  /** Returns the user when the credentials are valid, otherwise undefined. */
  authenticate(username, password) {
    const user = this.byUsername.get(String(username ?? '').trim().toLowerCase());
    // Compare even when the user is unknown, to keep timings similar.
    const ok = secretsEqual(user ? user.password : '\0no-such-user', String(password ?? ''));
    return user && ok ? user : undefined;
  }

  findUser(id) {
    return this.byId.get(id);
  }

  findClient(clientId) {
    return this.clients.find((c) => c.clientId === clientId);
  }

  /** A user or a service-account user, by id (what the admin API and `sub` refer to). */
  findSubject(id) {
    return this.subjects.get(id);
  }

  serviceAccountOf(clientId) {
    return this.serviceAccounts.find((sa) => sa.serviceAccountClientId === clientId);
  }

  /** The composite role Keycloak maps to every user ("default-roles-<realm>"), if the realm has it. */
  get defaultRolesComposite() {
    const name = `default-roles-${this.name}`;
    return this.defaultRoles.includes(name) ? name : undefined;
  }

  /** Realm roles mapped to the subject itself (Keycloak maps the default roles through their composite). */
  directRealmRoles(subject) {
    const composite = this.defaultRolesComposite;
    return [...new Set([...(composite ? [composite] : this.defaultRoles), ...subject.roles])];
  }

  /** Effective realm roles (composites expanded): what `realm_access.roles` carries. */
  effectiveRealmRoles(subject) {
    return [...new Set([...this.defaultRoles, ...subject.roles])];
  }

  /** The subject's realm-management roles, composites expanded (users have none here). */
  adminRolesOf(subject) {
    return effectiveAdminRoles(subject.clientRoles?.[REALM_MANAGEMENT] ?? []);
  }

  serviceAccountClaims(clientId) {
    const account = this.serviceAccountOf(clientId);
    return account ? serviceAccountClaims(account, this.defaultRoles) : {};
  }

  /** Identity claims, as Keycloak's default mappers (+ a "groups" mapper) emit them. */
  claimsFor(user) {
    const name = [user.firstName, user.lastName].filter(Boolean).join(' ');
    const claims = {
      sub: user.id,
      preferred_username: user.username,
      name: name || undefined,
      given_name: user.firstName || undefined,
      family_name: user.lastName || undefined,
      email: user.email,
      email_verified: user.email ? Boolean(user.emailVerified) : undefined,
      realm_access: { roles: this.effectiveRealmRoles(user) },
      groups: [...user.groups],
    };
    for (const key of Object.keys(claims)) if (claims[key] === undefined) delete claims[key];
    return claims;
  }
}

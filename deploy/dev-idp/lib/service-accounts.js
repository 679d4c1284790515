// Comptes de service des clients (« Service accounts roles » de Keycloak) : grant
// client_credentials, et rôles du client « realm-management » qui ouvrent l'API
// d'administration (lib/admin-api.js).
export const REALM_MANAGEMENT = 'realm-management';

// Les rôles du client realm-management d'un royaume Keycloak.
const ROLES = [
  'create-client', 'impersonation', 'manage-authorization', 'manage-clients', 'manage-events',
  'manage-identity-providers', 'manage-realm', 'manage-users', 'query-clients', 'query-groups',
  'query-realms', 'query-users', 'realm-admin', 'view-authorization', 'view-clients', 'view-events',
  'view-identity-providers', 'view-realm', 'view-users',
];
// Rôles composites, comme Keycloak les crée.
const COMPOSITES = {
  'view-users': ['query-users', 'query-groups'],
  'view-clients': ['query-clients'],
  'realm-admin': ROLES.filter((r) => r !== 'realm-admin'),
};

/**
 * YAML `service_account` of a client: `true`, or `{client_roles: {realm-management: [view-users]}}`.
 * Returns undefined (service accounts off) or `{ clientRoles: {'realm-management': [...]} }`.
 */
export function parseServiceAccount(raw, { fail, where, publicClient }) {
  if (raw === undefined || raw === null || raw === false) return undefined;
  if (publicClient) fail(`${where}.service_account : un client public n'a pas de compte de service`);
  if (raw === true) return { clientRoles: { [REALM_MANAGEMENT]: [] } };
  if (typeof raw !== 'object' || Array.isArray(raw)) fail(`${where}.service_account doit être true ou un objet`);
  const byClient = raw.client_roles ?? {};
  if (typeof byClient !== 'object' || Array.isArray(byClient)) {
    fail(`${where}.service_account.client_roles doit être un objet {client: [rôles]}`);
  }
  for (const client of Object.keys(byClient)) {
    if (client !== REALM_MANAGEMENT) {
      fail(`${where}.service_account.client_roles : seul "${REALM_MANAGEMENT}" est servi (reçu: ${client})`);
    }
  }
  const roles = byClient[REALM_MANAGEMENT] ?? [];
  if (!Array.isArray(roles) || roles.some((r) => !ROLES.includes(r))) {
    fail(`${where}.service_account.client_roles.${REALM_MANAGEMENT} : rôles parmi ${ROLES.join(', ')}`);
  }
  return { clientRoles: { [REALM_MANAGEMENT]: [...roles] } };
}

/** realm-management roles with their composites expanded. */
export function effectiveAdminRoles(roles) {
  const out = new Set();
  const add = (role) => {
    if (out.has(role)) return;
    out.add(role);
    for (const inner of COMPOSITES[role] ?? []) add(inner);
  };
  for (const role of roles) add(role);
  return out;
}

/** What a subject may do with users, as Keycloak's UserPermissions (without fine-grained permissions). */
export function userPermissions(adminRoles) {
  const manage = adminRoles.has('manage-users');
  const view = manage || adminRoles.has('view-users');
  return {
    manage,
    view,
    query: view || adminRoles.has('query-users'),
    impersonate: adminRoles.has('impersonation'),
  };
}

/** Claims Keycloak puts in a service account's access token (client_credentials). */
export function serviceAccountClaims(account, defaultRoles) {
  const adminRoles = [...effectiveAdminRoles(account.clientRoles[REALM_MANAGEMENT] ?? [])];
  return {
    preferred_username: account.username,
    email_verified: false,
    realm_access: { roles: [...defaultRoles] },
    ...(adminRoles.length ? { resource_access: { [REALM_MANAGEMENT]: { roles: adminRoles } } } : {}),
  };
}

// Représentations JSON de l'API d'administration de Keycloak (UserRepresentation,
// GroupRepresentation, RoleRepresentation), construites depuis le royaume YAML.
import { stableUuid } from './realm.js';

const STARTED_AT = Date.now(); // createdTimestamp of every account (nothing is persisted)

// Descriptions of the roles Keycloak creates in every realm (message keys, as Keycloak returns them).
const BUILTIN_DESCRIPTIONS = {
  offline_access: '${role_offline-access}',
  uma_authorization: '${role_uma_authorization}',
};

/** The `access` block Keycloak adds to users it lists, from the caller's user permissions. */
function accessOf(permissions) {
  return {
    manageGroupMembership: permissions.manage,
    view: permissions.view,
    mapRoles: permissions.manage,
    impersonate: permissions.impersonate,
    manage: permissions.manage,
  };
}

/** UserRepresentation; `brief` as `briefRepresentation=true` (no credentials/actions/notBefore). */
export function userRepresentation(user, { brief = false, permissions } = {}) {
  const rep = {
    id: user.id,
    username: user.username,
    ...(user.firstName ? { firstName: user.firstName } : {}),
    ...(user.lastName ? { lastName: user.lastName } : {}),
    ...(user.email ? { email: user.email } : {}),
    emailVerified: Boolean(user.email && user.emailVerified),
    createdTimestamp: STARTED_AT,
    enabled: user.enabled,
  };
  if (!brief) {
    Object.assign(rep, { totp: false, disableableCredentialTypes: [], requiredActions: [], notBefore: 0 });
    if (user.serviceAccountClientId) rep.serviceAccountClientId = user.serviceAccountClientId;
  }
  if (permissions) rep.access = accessOf(permissions);
  return rep;
}

/** GroupRepresentation of a full path "/pole/service" (name = last segment). */
export function groupRepresentation(realm, path, { brief = true } = {}) {
  const rep = { id: stableUuid(realm.name, `group:${path}`), name: path.split('/').pop(), path };
  if (!brief) Object.assign(rep, { attributes: {}, realmRoles: [], clientRoles: {} });
  return rep;
}

/** RoleRepresentation of a realm role. */
export function realmRoleRepresentation(realm, name, { brief = true } = {}) {
  const composite = name === realm.defaultRolesComposite;
  const description = composite ? '${role_default-roles}' : BUILTIN_DESCRIPTIONS[name];
  const rep = {
    id: stableUuid(realm.name, `role:${name}`),
    name,
    ...(description ? { description } : {}),
    composite,
    clientRole: false,
    containerId: realm.id,
  };
  if (!brief) rep.attributes = {};
  return rep;
}

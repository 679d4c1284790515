// Configuration d'oidc-provider pour qu'il parle « comme Keycloak » :
// chemins /protocol/openid-connect/*, jetons d'accès JWT RS256 avec les claims
// Keycloak (realm_access, groups, preferred_username, azp...), PKCE obligatoire,
// refresh token émis par le flux code.
import Provider, { errors } from 'oidc-provider';

import { SharedMemoryAdapter } from './adapter.js';
import { errorPage, loggedOutPage, logoutConfirmPage } from './pages.js';

// Keycloak has no resource indicators: every access token gets the resource
// below by default and its audience is the client's own id (what Keycloak's
// "Audience" mapper does), so that oidc-provider issues it as a JWT.
export const DEFAULT_RESOURCE = 'urn:dev-idp:client-audience';

// Keycloak's default client scopes (profile, email, roles, ...) apply whether or
// not they are requested: all identity claims are therefore attached to "openid".
const IDENTITY_CLAIMS = [
  'sub', 'preferred_username', 'name', 'given_name', 'family_name',
  'email', 'email_verified', 'realm_access', 'groups',
];
const SCOPES = ['openid', 'offline_access', 'profile', 'email', 'roles', 'groups', 'web-origins', 'acr', 'basic'];

const ERROR_MESSAGES = {
  invalid_client: 'Application (client) inconnue ou invalide.',
  invalid_redirect_uri: 'Adresse de retour (redirect_uri) non enregistrée pour cette application.',
  invalid_request: 'La requête envoyée par l’application est invalide.',
  session_not_found: 'Session introuvable ou expirée. Revenez à l’application et recommencez.',
  invalid_grant: 'Autorisation invalide ou expirée.',
};

export const KEYCLOAK_ROUTES = {
  authorization: '/protocol/openid-connect/auth',
  token: '/protocol/openid-connect/token',
  jwks: '/protocol/openid-connect/certs',
  userinfo: '/protocol/openid-connect/userinfo',
  end_session: '/protocol/openid-connect/logout',
  revocation: '/protocol/openid-connect/revoke',
  introspection: '/protocol/openid-connect/token/introspect',
  device_authorization: '/protocol/openid-connect/auth/device',
  pushed_authorization_request: '/protocol/openid-connect/ext/par/request',
};

function toOidcClient(c) {
  return {
    client_id: c.clientId,
    client_name: c.name,
    ...(c.public
      ? { token_endpoint_auth_method: 'none' }
      : { client_secret: c.secret, token_endpoint_auth_method: 'client_secret_basic' }),
    redirect_uris: c.redirectUris,
    post_logout_redirect_uris: c.postLogoutRedirectUris,
    // "Service accounts roles" on: the client may use client_credentials (lib/service-accounts.js).
    grant_types: ['authorization_code', 'refresh_token', ...(c.serviceAccount ? ['client_credentials'] : [])],
    response_types: ['code'],
    id_token_signed_response_alg: 'RS256',
  };
}

/**
 * @param {object} o
 * @param {string} o.issuer        e.g. http://127.0.0.1:8180/realms/demo
 * @param {import('./realm.js').Realm} o.realm
 * @param {import('./keys.js').SigningKeys} o.keys
 * @param {string[]} o.cookieKeys
 * @param {{accessTokenTtl:number, refreshTokenTtl:number, sessionTtl:number}} o.ttl
 */
export function createProvider({ issuer, realm, keys, cookieKeys, ttl }) {
  const prefix = new URL(issuer).pathname;

  const configuration = {
    adapter: SharedMemoryAdapter,
    clients: realm.clients.map(toOidcClient),
    responseTypes: ['code'],
    jwks: keys.privateJwks(),
    cookies: { keys: cookieKeys },

    async findAccount(_ctx, sub) {
      const user = realm.findUser(sub);
      if (!user) return undefined;
      return { accountId: user.id, claims: async () => realm.claimsFor(user) };
    },
    claims: { openid: IDENTITY_CLAIMS },
    scopes: SCOPES,
    // Put the identity claims in the ID token even in the code flow (Keycloak does).
    conformIdTokenClaims: false,

    pkce: { required: () => true },
    issueRefreshToken: async (_ctx, client) => client.grantTypeAllowed('refresh_token'),
    // Keycloak keeps the same refresh token chain alive; do not rotate.
    rotateRefreshToken: () => false,

    routes: KEYCLOAK_ROUTES,
    // Lets the assistant refuse this provider outside the development profile.
    discovery: { x_development_identity_provider: true },
    interactions: {
      url: (_ctx, interaction) => `${prefix}/login-actions/authenticate/${interaction.uid}`,
    },

    features: {
      devInteractions: { enabled: false },
      revocation: { enabled: true },
      clientCredentials: { enabled: true }, // only clients with a service account may use it
      introspection: { enabled: true }, // served by keycloak.js (JWT aware); kept for discovery
      userinfo: { enabled: true }, // idem
      rpInitiatedLogout: {
        enabled: true,
        async logoutSource(ctx, form) {
          ctx.type = 'html';
          ctx.body = logoutConfirmPage({
            form,
            clientName: ctx.oidc.client?.clientName,
            // Keycloak logs out without asking when a valid id_token_hint is given.
            autoSubmit: Boolean(ctx.oidc.params.id_token_hint),
          });
        },
        async postLogoutSuccessSource(ctx) {
          ctx.type = 'html';
          ctx.body = loggedOutPage();
        },
      },
      resourceIndicators: {
        enabled: true,
        defaultResource: async () => DEFAULT_RESOURCE,
        useGrantedResource: async () => true,
        async getResourceServerInfo(_ctx, resourceIndicator, client) {
          if (resourceIndicator !== DEFAULT_RESOURCE) {
            throw new errors.InvalidTarget(`unknown resource (only ${DEFAULT_RESOURCE} is served)`);
          }
          const rc = realm.findClient(client.clientId);
          return {
            audience: rc?.audience ?? client.clientId,
            scope: SCOPES.join(' '),
            accessTokenFormat: 'jwt',
            accessTokenTTL: ttl.accessTokenTtl,
            jwt: { sign: { alg: 'RS256' } },
          };
        },
      },
    },

    // Keycloak-style claims inside the JWT access token.
    async extraTokenClaims(_ctx, token) {
      const claims = { typ: 'Bearer', azp: token.clientId };
      if (token.sid) claims.sid = token.sid;
      if (token.kind === 'ClientCredentials') Object.assign(claims, realm.serviceAccountClaims(token.clientId));
      const user = token.accountId ? realm.findUser(token.accountId) : undefined;
      if (user) {
        const { sub, ...identity } = realm.claimsFor(user);
        Object.assign(claims, identity);
      }
      return claims;
    },
    formats: {
      customizers: {
        // Keycloak signs its access tokens with header typ "JWT" (not RFC 9068's "at+jwt").
        jwt(_ctx, token, jwt) {
          jwt.header = { typ: 'JWT' };
          // A service account's token is about its service-account user, not about the client.
          const account = token.kind === 'ClientCredentials' ? realm.serviceAccountOf(token.clientId) : undefined;
          if (account) jwt.payload.sub = account.id;
        },
      },
    },

    ttl: {
      AccessToken: (_ctx, token) => token.resourceServer?.accessTokenTTL ?? ttl.accessTokenTtl,
      IdToken: ttl.accessTokenTtl, // Keycloak: ID token lifespan = access token lifespan
      RefreshToken: ttl.refreshTokenTtl,
      AuthorizationCode: 60,
      Interaction: 1800,
      Grant: ttl.sessionTtl,
      Session: ttl.sessionTtl,
    },

    async renderError(ctx, out, error) {
      ctx.type = 'html';
      ctx.body = errorPage({
        message: ERROR_MESSAGES[out.error] ?? 'La requête envoyée par l’application est invalide.',
        details: `${out.error}: ${out.error_description ?? ''}`,
      });
      if (error && !(error instanceof errors.OIDCProviderError)) console.error(error);
    },
  };

  const provider = new Provider(issuer, configuration);
  provider.proxy = false;
  return provider;
}

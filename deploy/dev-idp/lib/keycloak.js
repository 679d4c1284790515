// Points d'accès propres à Keycloak, ou que oidc-provider ne sert pas pour des
// jetons d'accès JWT : userinfo, introspection, déconnexion par refresh token
// (POST /logout utilisé par python-keycloak), la page d'information du royaume, et le refus
// de client_credentials à un client sans compte de service.
import { createLocalJWKSet, decodeProtectedHeader, jwtVerify } from 'jose';

import { authenticateClient, readForm, sendJson } from './http.js';

export async function verifyAccessToken(token, { issuer, keys }) {
  const { payload } = await jwtVerify(token, createLocalJWKSet(keys.publicJwks()), {
    issuer,
    algorithms: ['RS256'],
  });
  if (payload.typ && payload.typ !== 'Bearer') throw new Error(`not an access token (typ ${payload.typ})`);
  return payload;
}

function looksLikeJwt(token) {
  try {
    return Boolean(decodeProtectedHeader(token));
  } catch {
    return false;
  }
}

export function bearer(req) {
  const m = /^bearer\s+(\S+)$/i.exec(req.headers.authorization ?? '');
  return m?.[1];
}

/** GET /realms/<realm> — Keycloak publishes the active public key here (python-keycloak public_key()). */
export function realmInfo({ res, issuer, realm, keys }) {
  sendJson(res, 200, {
    realm: realm.name,
    public_key: keys.activePublicKeyBase64(),
    'token-service': `${issuer}/protocol/openid-connect`,
    'account-service': `${issuer}/account`,
    'tokens-not-before': 0,
  });
}

/** GET|POST .../userinfo with a Bearer JWT access token. */
export async function userinfo({ req, res, issuer, realm, keys }) {
  const challenge = (error, description) => ({
    'WWW-Authenticate': `Bearer realm="${realm.name}", error="${error}", error_description="${description}"`,
  });
  const token = bearer(req);
  if (!token) {
    sendJson(res, 401, { error: 'invalid_request', error_description: 'Token not provided' },
      challenge('invalid_request', 'Token not provided'));
    return;
  }
  let payload;
  try {
    payload = await verifyAccessToken(token, { issuer, keys });
  } catch {
    sendJson(res, 401, { error: 'invalid_token', error_description: 'Token verification failed' },
      challenge('invalid_token', 'Token verification failed'));
    return;
  }
  const user = realm.findUser(payload.sub);
  if (!user) {
    sendJson(res, 401, { error: 'invalid_token', error_description: 'User not found' },
      challenge('invalid_token', 'User not found'));
    return;
  }
  sendJson(res, 200, realm.claimsFor(user));
}

/** POST .../token/introspect (RFC 7662), for JWT access tokens and refresh tokens. */
export async function introspect({ req, res, form, issuer, realm, keys, provider }) {
  const client = authenticateClient(req, form, realm);
  if (!client) {
    sendJson(res, 401, { error: 'invalid_client', error_description: 'Authentication failed.' });
    return;
  }
  const token = form.get('token');
  if (!token) {
    sendJson(res, 400, { error: 'invalid_request', error_description: 'Token not provided.' });
    return;
  }
  if (looksLikeJwt(token)) {
    try {
      const payload = await verifyAccessToken(token, { issuer, keys });
      sendJson(res, 200, {
        ...payload,
        client_id: payload.azp,
        username: payload.preferred_username,
        token_type: 'Bearer',
        active: true,
      });
    } catch {
      sendJson(res, 200, { active: false });
    }
    return;
  }
  const rt = await provider.RefreshToken.find(token);
  const session = rt?.sessionUid ? await provider.Session.findByUid(rt.sessionUid) : undefined;
  if (!rt || rt.isExpired || rt.clientId !== client.clientId || (rt.expiresWithSession && !session)) {
    sendJson(res, 200, { active: false });
    return;
  }
  sendJson(res, 200, {
    active: true,
    token_type: 'Refresh',
    typ: 'Refresh',
    iss: issuer,
    sub: rt.accountId,
    client_id: rt.clientId,
    azp: rt.clientId,
    scope: rt.scope,
    iat: rt.iat,
    exp: rt.exp,
  });
}

/**
 * POST .../logout with client credentials + refresh_token: Keycloak's back-channel
 * logout (what python-keycloak's KeycloakOpenID.logout() sends). Ends the SSO session.
 */
export async function logoutWithRefreshToken({ req, res, form, realm, provider, log }) {
  const client = authenticateClient(req, form, realm);
  if (!client) {
    sendJson(res, 401, { error: 'unauthorized_client', error_description: 'Invalid client or Invalid client credentials' });
    return;
  }
  const rt = await provider.RefreshToken.find(form.get('refresh_token'));
  if (!rt || rt.clientId !== client.clientId) {
    sendJson(res, 400, { error: 'invalid_grant', error_description: 'Invalid refresh token' });
    return;
  }
  const session = rt.sessionUid ? await provider.Session.findByUid(rt.sessionUid) : undefined;
  if (session) await session.destroy();
  if (rt.grantId) {
    await provider.RefreshToken.revokeByGrantId(rt.grantId);
    const grant = await provider.Grant.find(rt.grantId);
    if (grant) await grant.destroy();
  }
  await rt.destroy();
  log(`déconnexion (refresh token) client="${client.clientId}"`);
  sendJson(res, 204);
}

/**
 * POST .../token, grant_type=client_credentials, by a client whose service accounts are off: Keycloak's
 * 401 unauthorized_client (oidc-provider would answer 400 invalid_request). True when it answered;
 * otherwise the body read is left in req.body, where oidc-provider takes it.
 */
export async function refuseClientCredentialsWithoutServiceAccount({ req, res, realm }) {
  const { raw, form } = await readForm(req);
  req.body = raw;
  if (form.get('grant_type') !== 'client_credentials') return false;
  const client = authenticateClient(req, form, realm);
  if (!client || client.serviceAccount) return false; // wrong credentials: oidc-provider's invalid_client
  sendJson(res, 401, { error: 'unauthorized_client', error_description: 'Client not enabled to retrieve service account' });
  return true;
}

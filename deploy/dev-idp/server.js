#!/usr/bin/env node
// Fournisseur d'identité de DÉVELOPPEMENT qui imite Keycloak (mêmes URL, mêmes claims),
// construit sur oidc-provider. Pour `make run` et les tests uniquement : JAMAIS en production.
//
//   node deploy/dev-idp/server.js --dev --port 0 --users deploy/dev-idp/users.yaml --realm demo
//
// Prints exactly one line on stdout once listening:
//   DEV-IDP READY http://127.0.0.1:<port>/realms/<realm>
// Everything else (banner, logs) goes to stderr.
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:http';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

import { ADMIN_PREFIX, handleAdminApi } from './lib/admin-api.js';
import { handleInteraction } from './lib/interactions.js';
import {
  introspect, logoutWithRefreshToken, realmInfo, refuseClientCredentialsWithoutServiceAccount, userinfo,
} from './lib/keycloak.js';
import { isLoopback, readForm, sendJson } from './lib/http.js';
import { SigningKeys } from './lib/keys.js';
import { createProvider } from './lib/provider.js';
import { loadRealm } from './lib/realm.js';

const HERE = dirname(fileURLToPath(import.meta.url));
const HOST = '127.0.0.1'; // loopback only, by design: no option to change it

const USAGE = `Usage: node server.js --dev [options]

  --dev                         obligatoire (ou ASSISTANT_PROFILE=development)
  --port N                      port d'écoute sur 127.0.0.1, 0 = port libre   [DEV_IDP_PORT, 8180]
  --realm NAME                  nom du royaume                                [DEV_IDP_REALM, demo]
  --users FILE                  fichier YAML utilisateurs/clients             [DEV_IDP_USERS, users.yaml]
  --access-token-ttl S          durée de vie des jetons d'accès (s)           [DEV_IDP_ACCESS_TOKEN_TTL, 300]
  --refresh-token-ttl S         durée de vie des refresh tokens (s)           [DEV_IDP_REFRESH_TOKEN_TTL, 1800]
  --session-ttl S               durée max de la session SSO (s)               [DEV_IDP_SESSION_TTL, 36000]
  --client-id ID                client visé par les options suivantes         [DEV_IDP_CLIENT_ID, 1er client]
  --client-secret S             remplace le secret de ce client               [DEV_IDP_CLIENT_SECRET]
  --redirect-uri URI            ajoute une redirect_uri (répétable)           [DEV_IDP_REDIRECT_URIS, séparées par ,]
  --post-logout-redirect-uri U  ajoute une post_logout_redirect_uri (répét.)  [DEV_IDP_POST_LOGOUT_REDIRECT_URIS]
  --exit-with-stdin             s'arrêter quand l'entrée standard se ferme (processus parent mort)
  --verbose                     journaliser chaque requête sur stderr

Administration (127.0.0.1 uniquement) :
  POST /_dev/rotate-keys[?keep_previous=false]   nouvelle clé de signature active

API d'administration Keycloak (lecture, jeton Bearer d'un compte de service ayant view-users) :
  GET /admin/realms/<realm>/users[/<id>[/groups|/role-mappings/realm[/composite]]]
`;

function fatal(message, code = 1) {
  process.stderr.write(`dev-idp: ${message}\n`);
  process.exit(code);
}

function listFromEnv(name) {
  return (process.env[name] ?? '').split(/[,\s]+/).filter(Boolean);
}

function positiveInt(value, name) {
  const n = Number(value);
  if (!Number.isInteger(n) || n <= 0) fatal(`${name} doit être un entier > 0 (reçu: ${value})`, 2);
  return n;
}

function parseCli(argv) {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        dev: { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h', default: false },
        port: { type: 'string' },
        realm: { type: 'string' },
        users: { type: 'string' },
        'access-token-ttl': { type: 'string' },
        'refresh-token-ttl': { type: 'string' },
        'session-ttl': { type: 'string' },
        'client-id': { type: 'string' },
        'client-secret': { type: 'string' },
        'redirect-uri': { type: 'string', multiple: true, default: [] },
        'post-logout-redirect-uri': { type: 'string', multiple: true, default: [] },
        'exit-with-stdin': { type: 'boolean', default: false },
        verbose: { type: 'boolean', default: false },
      },
    }));
  } catch (err) {
    fatal(`${err.message}\n\n${USAGE}`, 2);
  }
  const env = process.env;
  const port = Number(values.port ?? env.DEV_IDP_PORT ?? 8180);
  if (!Number.isInteger(port) || port < 0 || port > 65535) fatal(`port invalide: ${values.port}`, 2);
  const realm = values.realm ?? env.DEV_IDP_REALM ?? undefined;
  if (realm !== undefined && !/^[A-Za-z0-9_-]+$/.test(realm)) fatal(`nom de royaume invalide: ${realm}`, 2);
  return {
    help: values.help,
    dev: values.dev,
    port,
    realm,
    usersFile: resolve(values.users ?? env.DEV_IDP_USERS ?? resolve(HERE, 'users.yaml')),
    ttl: {
      accessTokenTtl: positiveInt(values['access-token-ttl'] ?? env.DEV_IDP_ACCESS_TOKEN_TTL ?? 300, 'access-token-ttl'),
      refreshTokenTtl: positiveInt(values['refresh-token-ttl'] ?? env.DEV_IDP_REFRESH_TOKEN_TTL ?? 1800, 'refresh-token-ttl'),
      sessionTtl: positiveInt(values['session-ttl'] ?? env.DEV_IDP_SESSION_TTL ?? 36000, 'session-ttl'),
    },
    overrides: {
      clientId: values['client-id'] ?? env.DEV_IDP_CLIENT_ID,
      clientSecret: values['client-secret'] ?? env.DEV_IDP_CLIENT_SECRET,
      redirectUris: [...values['redirect-uri'], ...listFromEnv('DEV_IDP_REDIRECT_URIS')],
      postLogoutRedirectUris: [
        ...values['post-logout-redirect-uri'], ...listFromEnv('DEV_IDP_POST_LOGOUT_REDIRECT_URIS'),
      ],
    },
    exitWithStdin: values['exit-with-stdin'],
    verbose: values.verbose || env.DEV_IDP_VERBOSE === '1',
  };
}

// --- garde-fou : jamais en production -------------------------------------------------
function assertDevelopment(opts) {
  const profile = process.env.ASSISTANT_PROFILE;
  if (profile === 'production' || process.env.NODE_ENV === 'production') {
    fatal("refus de démarrer : profil « production » détecté. Utilisez le vrai Keycloak.", 2);
  }
  if (!opts.dev && profile !== 'development') {
    fatal("refus de démarrer sans --dev ni ASSISTANT_PROFILE=development (fournisseur d'identité de développement, mots de passe publics).", 2);
  }
}

function banner(opts) {
  const line = '!'.repeat(78);
  process.stderr.write(`${line}
!!  DEV-IDP : fournisseur d'identité de DÉVELOPPEMENT (imitation de Keycloak)
!!  Mots de passe publics (${opts.usersFile}), clés en mémoire.
!!  NE JAMAIS UTILISER EN PRODUCTION — en production : le vrai Keycloak.
${line}
`);
}

// --- serveur -----------------------------------------------------------------------
async function main() {
  const opts = parseCli(process.argv.slice(2));
  if (opts.help) {
    process.stdout.write(USAGE);
    return;
  }
  assertDevelopment(opts);
  banner(opts);

  let realm;
  try {
    realm = loadRealm(opts.usersFile, { realm: opts.realm, ...opts.overrides });
  } catch (err) {
    fatal(err.message);
  }

  const log = (msg) => process.stderr.write(`dev-idp: ${msg}\n`);
  const prefix = `/realms/${realm.name}`;
  let keys;
  try {
    keys = await SigningKeys.create({ log });
  } catch (err) {
    fatal(err.message);
  }
  const cookieKeys = [randomBytes(32).toString('base64url')];
  const state = { issuer: undefined, provider: undefined, callback: undefined };

  const buildProvider = () => {
    state.provider = createProvider({
      issuer: state.issuer, realm, keys, cookieKeys, ttl: opts.ttl,
    });
    state.provider.on('server_error', (_ctx, err) => log(`erreur serveur: ${err.stack ?? err}`));
    state.callback = state.provider.callback();
  };

  const routes = async (req, res) => {
    const path = new URL(req.url, `http://${HOST}`).pathname;
    const common = {
      req, res, issuer: state.issuer, realm, keys, provider: state.provider, log,
    };

    if (path.startsWith('/_dev/')) {
      if (!isLoopback(req)) return sendJson(res, 403, { error: 'forbidden' });
      if (path === '/_dev/rotate-keys' && req.method === 'POST') {
        const keepPrevious = new URL(req.url, `http://${HOST}`).searchParams.get('keep_previous') !== 'false';
        const kid = await keys.rotate({ keepPrevious });
        buildProvider(); // new keystore; sessions/grants/tokens live in the shared memory adapter
        log(`rotation des clés: kid actif=${kid} (anciennes clés ${keepPrevious ? 'conservées' : 'retirées'})`);
        return sendJson(res, 200, { kid, kids: keys.publicJwks().keys.map((k) => k.kid) });
      }
      return sendJson(res, 404, { error: 'not_found' });
    }
    // Keycloak's admin REST API (read-only subset), for bearer tokens of this realm.
    if (path.startsWith(ADMIN_PREFIX)) return handleAdminApi(common);
    if (path === prefix || path === `${prefix}/`) {
      if (req.method !== 'GET') return sendJson(res, 405, { error: 'method_not_allowed' });
      return realmInfo(common);
    }
    const interaction = /^\/login-actions\/authenticate\/([A-Za-z0-9_-]+)$/.exec(path.slice(prefix.length));
    if (path.startsWith(`${prefix}/`) && interaction) {
      return handleInteraction({ ...common, uid: interaction[1] });
    }
    if (path === `${prefix}/protocol/openid-connect/userinfo`) return userinfo(common);
    if (path === `${prefix}/protocol/openid-connect/token/introspect` && req.method === 'POST') {
      const { form } = await readForm(req);
      return introspect({ ...common, form });
    }
    if (path === `${prefix}/protocol/openid-connect/token` && req.method === 'POST'
      && await refuseClientCredentialsWithoutServiceAccount(common)) return;
    if (path === `${prefix}/protocol/openid-connect/logout` && req.method === 'POST') {
      const { raw, form } = await readForm(req);
      if (form.has('refresh_token')) return logoutWithRefreshToken({ ...common, form });
      req.body = raw; // already consumed: oidc-provider falls back to req.body
    }
    if (path.startsWith(`${prefix}/`)) {
      // Mount oidc-provider under /realms/<realm> (its issuer path).
      req.originalUrl = req.url;
      req.url = req.url.slice(prefix.length);
      return state.callback(req, res);
    }
    return sendJson(res, 404, { error: 'not_found', error_description: `realm path is ${prefix}` });
  };

  const server = createServer(async (req, res) => {
    const started = Date.now();
    if (opts.verbose) res.on('finish', () => log(`${req.method} ${req.originalUrl ?? req.url} -> ${res.statusCode} (${Date.now() - started} ms)`));
    if (!state.callback) {
      sendJson(res, 503, { error: 'starting' });
      return;
    }
    try {
      await routes(req, res);
    } catch (err) {
      log(`erreur: ${err.stack ?? err}`);
      if (!res.headersSent) sendJson(res, err.status ?? 500, { error: 'server_error', error_description: err.message });
      else res.destroy();
    }
  });
  server.keepAliveTimeout = 5000;

  server.on('error', (err) => fatal(`écoute impossible sur ${HOST}:${opts.port}: ${err.message}`));
  server.listen(opts.port, HOST, () => {
    const { port } = server.address();
    state.issuer = `http://${HOST}:${port}${prefix}`;
    buildProvider();
    log(`royaume "${realm.name}": ${realm.users.length} utilisateurs, clients: ${realm.clients.map((c) => c.clientId).join(', ')}`);
    log(`jetons d'accès: ${opts.ttl.accessTokenTtl} s, refresh: ${opts.ttl.refreshTokenTtl} s`);
    process.stdout.write(`DEV-IDP READY ${state.issuer}\n`);
  });

  const shutdown = () => {
    server.close(() => process.exit(0));
    server.closeAllConnections();
    setTimeout(() => process.exit(0), 1000).unref();
  };
  process.on('SIGINT', shutdown);
  process.on('SIGTERM', shutdown);
  if (opts.exitWithStdin) {
    process.stdin.on('end', shutdown);
    process.stdin.on('close', shutdown);
    process.stdin.resume();
  }
}

main().catch((err) => fatal(err.stack ?? String(err)));

// Clés de signature RS256, générées en mémoire à chaque démarrage (jamais écrites
// sur disque) et rotation à la demande, comme l'ajout d'un nouveau fournisseur de
// clés « rsa-generated » de priorité supérieure dans Keycloak.
import { execFile } from 'node:child_process';
import { createPublicKey, randomUUID } from 'node:crypto';

// RSA key generation runs in a short-lived child process, bounded by a timeout and
// retried: with Node 20 / OpenSSL 3.0 we saw generateKeyPairSync('rsa') occasionally
// spin forever (about 1 start in 15 on a loaded machine), which would hang the server.
const KEYGEN_SCRIPT = `
const { generateKeyPairSync } = require('node:crypto');
const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
process.stdout.write(JSON.stringify(privateKey.export({ format: 'jwk' })));
`;

function keygenOnce(timeoutMs) {
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      ['-e', KEYGEN_SCRIPT],
      { timeout: timeoutMs, killSignal: 'SIGKILL', maxBuffer: 1 << 20, env: {} },
      (err, stdout) => {
        if (err) reject(err);
        else resolve(JSON.parse(stdout));
      },
    );
  });
}

async function newSigningJwk({ attempts = 5, timeoutMs = 10000, log = () => {} } = {}) {
  let lastError;
  for (let i = 1; i <= attempts; i += 1) {
    try {
      const jwk = await keygenOnce(timeoutMs);
      return { ...jwk, kid: randomUUID().replaceAll('-', ''), alg: 'RS256', use: 'sig' };
    } catch (err) {
      lastError = err;
      log(`génération de clé RSA: essai ${i}/${attempts} échoué (${err.killed ? 'délai dépassé' : err.message})`);
    }
  }
  throw new Error(`génération de clé RSA impossible: ${lastError?.message}`);
}

function publicPart(jwk) {
  const { kty, n, e, kid, alg, use } = jwk;
  return { kid, kty, alg, use, n, e };
}

export class SigningKeys {
  constructor(firstKey, { maxKeys = 3, log = () => {} } = {}) {
    this.maxKeys = maxKeys;
    this.log = log;
    this.keys = [firstKey]; // keys[0] signs; the others are still published
  }

  static async create(options = {}) {
    return new SigningKeys(await newSigningJwk({ log: options.log }), options);
  }

  /**
   * Generates a new active key. With keepPrevious, older keys stay published in
   * the JWKS (tokens they signed remain verifiable); otherwise they are dropped.
   */
  async rotate({ keepPrevious = true } = {}) {
    const key = await newSigningJwk({ log: this.log });
    this.keys = keepPrevious ? [key, ...this.keys].slice(0, this.maxKeys) : [key];
    return key.kid;
  }

  get activeKid() {
    return this.keys[0].kid;
  }

  privateJwks() {
    return { keys: this.keys.map((k) => ({ ...k })) };
  }

  publicJwks() {
    return { keys: this.keys.map(publicPart) };
  }

  /** Keycloak's realm endpoint publishes the active key as base64 DER SubjectPublicKeyInfo. */
  activePublicKeyBase64() {
    const pub = createPublicKey({ key: publicPart(this.keys[0]), format: 'jwk' });
    return pub.export({ format: 'der', type: 'spki' }).toString('base64');
  }
}

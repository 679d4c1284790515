// Écran de connexion (prompt "login") et consentement implicite (prompt "consent") :
// comme un client Keycloak « first party » sans écran de consentement.
import { errorPage, loginPage } from './pages.js';
import { readForm, sendHtml } from './http.js';

const INVALID_CREDENTIALS = "Nom d'utilisateur ou mot de passe invalide.";
const ACCOUNT_DISABLED = 'Compte désactivé, contactez votre administrateur.';

async function autoConsent(provider, req, res, interaction) {
  const { prompt: { details }, params, session } = interaction;
  const grant = interaction.grantId
    ? await provider.Grant.find(interaction.grantId)
    : new provider.Grant({ accountId: session.accountId, clientId: params.client_id });
  if (details.missingOIDCScope) grant.addOIDCScope(details.missingOIDCScope.join(' '));
  if (details.missingOIDCClaims) grant.addOIDCClaims(details.missingOIDCClaims);
  for (const [indicator, scopes] of Object.entries(details.missingResourceScopes ?? {})) {
    grant.addResourceScope(indicator, scopes.join(' '));
  }
  const grantId = await grant.save();
  const consent = interaction.grantId ? {} : { grantId };
  await provider.interactionFinished(req, res, { consent }, { mergeWithLastSubmission: true });
}

/** Handles GET/POST {prefix}/login-actions/authenticate/:uid */
export async function handleInteraction({ req, res, uid, provider, realm, log }) {
  let interaction;
  try {
    interaction = await provider.interactionDetails(req, res);
    if (interaction.uid !== uid) throw new Error('interaction uid mismatch');
  } catch {
    sendHtml(res, 400, errorPage({
      title: 'Session de connexion expirée',
      message: "Votre demande de connexion a expiré ou est introuvable. Revenez à l'application et recommencez.",
    }));
    return;
  }

  const client = realm.findClient(interaction.params.client_id);
  const action = `${req.url.split('?')[0]}`;
  const page = (status, { username, error }) => sendHtml(res, status, loginPage({
    action, realm: realm.name, clientName: client?.name ?? interaction.params.client_id, username, error,
  }));

  const promptName = interaction.prompt.name;

  if (req.method === 'GET') {
    if (promptName === 'consent') {
      await autoConsent(provider, req, res, interaction);
      return;
    }
    page(200, { username: interaction.params.login_hint ?? '' });
    return;
  }

  if (req.method !== 'POST') {
    res.statusCode = 405;
    res.setHeader('Allow', 'GET, POST');
    res.end();
    return;
  }

  const { form } = await readForm(req);
  if (form.get('cancel')) {
    await provider.interactionFinished(req, res, {
      error: 'access_denied', error_description: "L'utilisateur a annulé la connexion",
    }, { mergeWithLastSubmission: false });
    return;
  }
  if (promptName === 'consent') {
    await autoConsent(provider, req, res, interaction);
    return;
  }

  const username = form.get('username') ?? '';
  const user = realm.authenticate(username, form.get('password'));
  if (!user) {
    log(`connexion refusée: utilisateur="${username}"`);
    // Keycloak answers the failed login with the form again (HTTP 200) and the same message.
    page(200, { username, error: INVALID_CREDENTIALS });
    return;
  }
  if (!user.enabled) {
    log(`connexion refusée: compte désactivé utilisateur="${user.username}"`);
    page(200, { username, error: ACCOUNT_DISABLED });
    return;
  }
  log(`connexion: utilisateur="${user.username}" client="${interaction.params.client_id}"`);
  await provider.interactionFinished(req, res, {
    login: { accountId: user.id, amr: ['pwd'], remember: false },
  }, { mergeWithLastSubmission: false });
}

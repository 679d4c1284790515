// Pages HTML en français (connexion, déconnexion, erreur). Simples et accessibles :
// libellés associés aux champs, focus visible, messages d'erreur annoncés (role="alert").
// Les identifiants reprennent ceux du thème Keycloak (kc-form-login, username,
// password, kc-login, input-error, kc-logout) pour que les tests navigateur écrits
// ici passent aussi contre un vrai Keycloak.

export function escapeHtml(value) {
  return String(value ?? '').replace(/[&<>"']/g, (c) => ({
    '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;',
  })[c]);
}

const STYLE = `
:root{color-scheme:light}
*{box-sizing:border-box}
body{margin:0;font-family:system-ui,-apple-system,"Segoe UI",Roboto,Arial,sans-serif;background:#f3f4f6;color:#161616;line-height:1.5}
.dev-banner{background:#b34000;color:#fff;padding:.5rem 1rem;text-align:center;font-weight:700}
main{max-width:26rem;margin:2rem auto;background:#fff;padding:2rem;border:1px solid #ddd;border-radius:4px}
h1{font-size:1.5rem;margin:0 0 1rem}
p.app{margin:0 0 1.5rem;color:#3a3a3a}
label{display:block;font-weight:600;margin:1rem 0 .25rem}
input[type=text],input[type=password]{width:100%;padding:.6rem;font-size:1rem;border:1px solid #666;border-radius:2px}
input[aria-invalid=true]{border-color:#ce0500;border-width:2px}
button{margin-top:1.5rem;width:100%;padding:.7rem;font-size:1rem;font-weight:600;border:2px solid #000091;border-radius:2px;background:#000091;color:#fff;cursor:pointer}
button.secondary{background:#fff;color:#000091}
:focus-visible{outline:3px solid #0a76f6;outline-offset:2px}
.alert{margin:0 0 1rem;padding:.75rem;border-left:4px solid #ce0500;background:#ffe9e9;color:#8a0000}
.info{margin:0 0 1rem;padding:.75rem;border-left:4px solid #0063cb;background:#e8edff}
.cancel{display:block;margin-top:1rem;text-align:center;color:#000091}
`;

function layout(title, body, { autoSubmit = false } = {}) {
  return `<!DOCTYPE html>
<html lang="fr">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex, nofollow">
<title>${escapeHtml(title)}</title>
<style>${STYLE}</style>
</head>
<body>
<div class="dev-banner" role="note">Fournisseur d'identité de DÉVELOPPEMENT — ne jamais utiliser en production</div>
<main>
${body}
</main>
${autoSubmit ? '<script>document.getElementById("kc-logout-form").requestSubmit(document.getElementById("kc-logout"));</script>' : ''}
</body>
</html>`;
}

export function loginPage({ action, realm, clientName, username = '', error }) {
  const invalid = error ? ' aria-invalid="true" aria-describedby="input-error"' : '';
  return layout(`Connexion — ${realm}`, `
<h1 id="kc-page-title">Connexion à votre compte</h1>
<p class="app">Application : <strong>${escapeHtml(clientName)}</strong></p>
${error ? `<p id="input-error" class="alert" role="alert">${escapeHtml(error)}</p>` : ''}
<form id="kc-form-login" action="${escapeHtml(action)}" method="post" novalidate>
  <label for="username">Nom d'utilisateur ou courriel</label>
  <input id="username" name="username" type="text" value="${escapeHtml(username)}"
         autocomplete="username" autocapitalize="none" spellcheck="false" required autofocus${invalid}>
  <label for="password">Mot de passe</label>
  <input id="password" name="password" type="password" autocomplete="current-password" required${invalid}>
  <button type="submit" id="kc-login" name="login" value="login">Se connecter</button>
</form>
<form action="${escapeHtml(action)}" method="post">
  <input type="hidden" name="cancel" value="on">
  <button type="submit" id="kc-cancel" class="secondary">Annuler</button>
</form>`);
}

/** `form` is oidc-provider's hidden form (id "op.logoutForm", with the xsrf token). */
export function logoutConfirmPage({ form, clientName, autoSubmit }) {
  // Keep oidc-provider's form (action + xsrf) but give it Keycloak's ids.
  const kcForm = form.replace('id="op.logoutForm"', 'id="kc-logout-form"');
  return layout('Déconnexion', `
<h1>Déconnexion</h1>
<p>${clientName ? `Voulez-vous vous déconnecter de <strong>${escapeHtml(clientName)}</strong> et de toutes les applications ?`
    : 'Voulez-vous vous déconnecter ?'}</p>
${kcForm}
<button type="submit" form="kc-logout-form" id="kc-logout" name="logout" value="yes">Se déconnecter</button>
<button type="submit" form="kc-logout-form" id="kc-stay" class="secondary">Rester connecté</button>`, { autoSubmit });
}

export function loggedOutPage() {
  return layout('Déconnecté', `
<h1>Vous êtes déconnecté</h1>
<p class="info" role="status">Votre session a été fermée.</p>`);
}

export function errorPage({ title = 'Une erreur est survenue', message, details }) {
  return layout(title, `
<h1>${escapeHtml(title)}</h1>
<p class="alert" role="alert">${escapeHtml(message)}</p>
${details ? `<p><code>${escapeHtml(details)}</code></p>` : ''}`);
}

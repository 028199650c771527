// Signing in, for both pages: OpenID Connect's authorization code with PKCE at the provider the server names
// (Auth:Oidc, in the page's data-oidc-* attributes), and in Development a pasted token. The token is returned
// to the page, which keeps it in memory only; what waits in sessionStorage for the way back from the provider
// is the PKCE verifier and state, never the token.
import { h, show, fill, errorBox, field } from './common.js';

const settings = document.documentElement.dataset;
const oidcKey = 'caseengine.oidc';

/** The token's claims, for display and the caller's own keys (the server checks them on every request). */
export function decode(jwt) {
  const part = jwt.split('.')[1] ?? '';
  const json = atob(part.replace(/-/g, '+').replace(/_/g, '/').padEnd(Math.ceil(part.length / 4) * 4, '='));
  return JSON.parse(new TextDecoder().decode(Uint8Array.from(json, (c) => c.charCodeAt(0))));
}

/** Whether this page can sign anyone in at all (a provider configured, or Development's token form). */
export const canSignIn = () => Boolean(settings.oidcAuthority) || settings.development === 'true';

const base64url = (bytes) => btoa(String.fromCharCode(...bytes)).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');

async function discovery() {
  const response = await fetch(`${settings.oidcAuthority}/.well-known/openid-configuration`);
  if (!response.ok) throw new Error('discovery');
  return response.json();
}

/** Off to the provider; it sends the browser back to <path> (this page) with a code. */
async function startSignIn(path) {
  const provider = await discovery();
  const verifier = base64url(crypto.getRandomValues(new Uint8Array(32)));
  const challenge = base64url(new Uint8Array(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(verifier))));
  const state = base64url(crypto.getRandomValues(new Uint8Array(16)));
  sessionStorage.setItem(oidcKey, JSON.stringify({ verifier, state, hash: location.hash }));
  const query = new URLSearchParams({
    response_type: 'code', client_id: settings.oidcClient, redirect_uri: `${location.origin}${path}`, scope: 'openid',
    state, code_challenge: challenge, code_challenge_method: 'S256',
  });
  location.assign(`${provider.authorization_endpoint}?${query}`);
}

/** Back from the provider with a code: exchanged for the token (null when there was none or it failed), the code taken out of the address. */
export async function finishSignIn(path) {
  const params = new URLSearchParams(location.search);
  const code = params.get('code');
  if (!code && !params.has('error')) return null;
  const started = JSON.parse(sessionStorage.getItem(oidcKey) ?? 'null');
  sessionStorage.removeItem(oidcKey);
  // The code (or the provider's refusal) leaves the address before anything else is asked.
  history.replaceState(null, '', `${path}${started?.hash ?? ''}`);
  if (!code || !started || params.get('state') !== started.state) return null;
  const provider = await discovery();
  const response = await fetch(provider.token_endpoint, {
    method: 'POST',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({
      grant_type: 'authorization_code', code, redirect_uri: `${location.origin}${path}`, client_id: settings.oidcClient, code_verifier: started.verifier,
    }),
  });
  if (!response.ok) return null;
  return (await response.json()).access_token;
}

/**
 * The sign-in view: the provider's button, and in Development a token form whose token goes to
 * <signedIn> (which throws on a malformed one). <before> are nodes shown above (a heading, a notice).
 */
export function signInView({ path, signedIn, before = [], message }) {
  const parts = [...before];
  if (message) parts.push(h('p', { class: 'notice', role: 'status', id: 'signed-out', text: message }));
  if (settings.oidcAuthority) {
    const go = h('button', { type: 'button', text: '统一身份认证登录' });
    go.addEventListener('click', () => startSignIn(path).catch(() => show(...parts, errorBox('暂时无法连接统一身份认证，请稍后再试。'))));
    parts.push(go);
  }
  if (settings.development === 'true') {
    const input = h('textarea', { id: 'token', autocomplete: 'off' });
    const go = h('button', { type: 'submit', text: '登录' });
    const status = h('div');
    const form = h('form', { novalidate: true },
      h('p', { class: 'notice', text: '开发环境：粘贴由 token 命令签发的令牌登录。' }),
      ...field('token', '令牌', input), go, status);
    form.addEventListener('submit', (event) => {
      event.preventDefault();
      try {
        signedIn(input.value.trim());
      } catch {
        fill(status, errorBox('令牌格式不正确。'));
      }
    });
    parts.push(form);
  }
  if (!canSignIn())
    parts.push(errorBox('尚未配置统一身份认证（OpenID Connect），请联系系统管理员。'));
  show(...parts);
}

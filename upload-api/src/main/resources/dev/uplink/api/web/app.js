// The page: sign-in, then the screens a key may use (upload and history for upload keys, the
// dead-letter queue for operator keys), chosen by the URL's fragment (#upload, #history, #operators).

import { ApiError, call, session, UNAUTHORIZED } from './api.js';
import { byId, fieldError, show } from './dom.js';
import { HistoryView } from './history-view.js';
import { OperatorsView } from './operators-view.js';
import { UploadView } from './upload-view.js';

const VIEWS = ['signin', 'upload', 'history', 'operators'];

const upload = new UploadView();
const historyView = new HistoryView();
const operators = new OperatorsView();

/** GET /v1/me for the signed-in key, or null when signed out. */
let caller = null;

function allowed(view) {
  if (!caller) return view === 'signin';
  if (view === 'operators') return caller.operator;
  if (view === 'upload' || view === 'history') return caller.destinations.length > 0;
  return false;
}

function home() {
  return caller.destinations.length > 0 ? 'upload' : 'operators';
}

/** Shows the screen the fragment names (or the one this key starts on), focusing its heading. */
function route({ focus = true } = {}) {
  let view = location.hash.slice(1);
  if (!caller) view = 'signin';
  else if (!VIEWS.includes(view) || view === 'signin' || !allowed(view)) view = home();
  for (const name of VIEWS) show(byId(`view-${name}`), name === view);
  for (const link of document.querySelectorAll('#nav a')) {
    if (link.dataset.view === view) link.setAttribute('aria-current', 'page');
    else link.removeAttribute('aria-current');
  }
  document.title = `${{ signin: 'Sign in', upload: 'Upload', history: 'History', operators: 'Operators' }[view]} · Uplink`;
  if (view === 'history') historyView.load(0, true);
  if (view === 'operators') operators.load();
  if (focus) (view === 'signin' ? byId('api-key') : byId(`${view}-title`)).focus();
}

function signedIn(me) {
  caller = me;
  byId('who-name').textContent = me.operator ? `${me.owner} (operator)` : me.owner;
  show(byId('who'), true);
  show(byId('nav'), true);
  for (const link of document.querySelectorAll('#nav a')) {
    show(link, link.dataset.for === 'operator' ? me.operator : me.destinations.length > 0);
  }
  upload.setCaller(me);
}

function signOut(message = null) {
  session.signOut();
  caller = null;
  upload.clear();
  historyView.clear();
  operators.clear();
  show(byId('who'), false);
  show(byId('nav'), false);
  const error = byId('signin-error');
  fieldError(byId('api-key'), error, message);
  if (location.hash) window.history.replaceState(null, '', location.pathname);
  route();
}

byId('signin-form').addEventListener('submit', async (event) => {
  event.preventDefault();
  const input = byId('api-key');
  const error = byId('signin-error');
  const key = input.value.trim();
  if (!key) {
    fieldError(input, error, 'Enter your API key.');
    input.focus();
    return;
  }
  const button = event.submitter ?? event.target.querySelector('button');
  button.disabled = true;
  try {
    const me = await call('GET', '/v1/me', { key });
    session.signIn(key);
    input.value = '';
    fieldError(input, error, null);
    signedIn(me);
    route();
  } catch (failure) {
    fieldError(input, error, failure instanceof ApiError && failure.status === 401
      ? 'This key is not accepted here.'
      : `Could not sign in: ${failure.message}`);
    input.focus();
  } finally {
    button.disabled = false;
  }
});

byId('sign-out').addEventListener('click', () => signOut());
window.addEventListener(UNAUTHORIZED, () => {
  if (caller) signOut('The key is no longer accepted: sign in again.');
});
window.addEventListener('hashchange', () => route());

async function start() {
  const key = session.key();
  if (key) {
    try {
      signedIn(await call('GET', '/v1/me', { key }));
    } catch (failure) {
      session.signOut();
      route({ focus: false });
      if (!(failure instanceof ApiError && failure.status === 401)) {
        fieldError(byId('api-key'), byId('signin-error'), `Could not sign in: ${failure.message}`);
      }
      return;
    }
  }
  route({ focus: false });
}

start();

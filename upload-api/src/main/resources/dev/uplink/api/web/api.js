// The Uplink API, same origin. The key lives in sessionStorage (this tab only) and travels in the
// Authorization header of API calls only: never in a URL, never to the object store.

const KEY_ITEM = 'uplink.apiKey';

export const session = {
  key: () => sessionStorage.getItem(KEY_ITEM),
  signIn: (key) => sessionStorage.setItem(KEY_ITEM, key),
  signOut: () => sessionStorage.removeItem(KEY_ITEM),
};

/** An error answer (an RFC 9457 problem), or status 0 when the server could not be reached. */
export class ApiError extends Error {
  constructor(status, problem, retryAfter = null) {
    super(problem.detail || problem.title || `HTTP ${status}`);
    this.name = 'ApiError';
    this.status = status;
    this.problem = problem;
    this.retryAfter = retryAfter;
  }

  /** The problem type's last segment, e.g. `destination-forbidden`. */
  get type() {
    const type = this.problem.type || '';
    return type.slice(type.lastIndexOf('/') + 1);
  }

  get field() {
    return this.problem.field || null;
  }

  /** Worth trying again: no answer, or the server (or what it depends on) is busy or failing. */
  get transient() {
    return this.status === 0 || this.status === 429 || this.status >= 500;
  }
}

/** Tells the page the key stopped working (401 on a call made with it). */
export const UNAUTHORIZED = 'uplink:unauthorized';

/**
 * Calls the API and returns the parsed JSON body (null for none). `json` is sent as the body;
 * `headers` are added. Throws ApiError for any answer but 2xx.
 */
export async function call(method, path, { json, headers = {}, signal, key = session.key() } = {}) {
  const request = { method, headers: { Accept: 'application/json', ...headers }, signal };
  if (key) request.headers.Authorization = `Bearer ${key}`;
  if (json !== undefined) {
    request.headers['Content-Type'] = 'application/json';
    request.body = JSON.stringify(json);
  }
  let response;
  try {
    response = await fetch(path, request);
  } catch (error) {
    if (error.name === 'AbortError' || signal?.aborted) throw signal?.reason ?? error;
    throw new ApiError(0, { title: 'No answer', detail: 'The server could not be reached. Check the connection.' });
  }
  const text = await response.text();
  let body = null;
  try {
    body = text ? JSON.parse(text) : null;
  } catch {
    body = null;
  }
  if (response.ok) return body;
  const problem = body && typeof body === 'object' ? body : { title: response.statusText, detail: text.slice(0, 200) };
  if (response.status === 401 && key) window.dispatchEvent(new CustomEvent(UNAUTHORIZED));
  throw new ApiError(response.status, problem, retryAfterSeconds(response.headers.get('Retry-After')));
}

/** Retry-After in seconds (a number of seconds or an HTTP date), or null. */
export function retryAfterSeconds(value) {
  if (!value) return null;
  const seconds = Number(value);
  if (Number.isFinite(seconds)) return Math.max(0, seconds);
  const date = Date.parse(value);
  return Number.isNaN(date) ? null : Math.max(0, (date - Date.now()) / 1000);
}

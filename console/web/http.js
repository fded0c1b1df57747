// JSON over the session cookie. Every answer is {status, body}; a network failure is status 0.
// The shell decides what a 401 (session gone) or a 403 password_change_required means through
// the hook it installs (setSessionLostHandler).

let onSessionLost = null;

export function setSessionLostHandler(handler) {
  onSessionLost = handler;
}

export async function request(method, path, body) {
  const init = { method, credentials: 'same-origin', headers: {} };
  if (body !== undefined) {
    init.headers['Content-Type'] = 'application/json';
    init.body = JSON.stringify(body);
  }
  let response;
  try {
    response = await fetch(path, init);
  } catch (e) {
    return { status: 0, body: {} };
  }
  let json = {};
  try { json = await response.json(); } catch (e) { json = {}; }
  if (json === null || typeof json !== 'object') json = { value: json };
  return { status: response.status, body: json };
}

// request() for code that runs inside a session: a 401 or a pending password change hands the
// operator back to the login (or password) view.
export async function fetchJson(method, path, body) {
  const r = await request(method, path, body);
  const lost = r.status === 401 ||
    (r.status === 403 && r.body && r.body.code === 'password_change_required');
  if (lost && onSessionLost) onSessionLost(r);
  return r;
}

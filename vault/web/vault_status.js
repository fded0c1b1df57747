// The vault link's status (GET /api/vault/status, statusJson() in vault/vault_service.cpp; on a
// site without [vault], {"configured": false}) fetched for the page and the tile together: on
// vault.* and presence.* events and every 10 s (times and the open/ended state of windows move
// without events). One request at a time; events during it make one more request after it, so a
// burst of presence events is two requests, not one per event. The timer is re-armed only after a
// request completes, and stops once nothing shows the status any longer.

export const REFRESH_MS = 10000;

export class VaultStatus {
  // wanted(): whether anything still shows the status (a page shown, a tile on the page).
  constructor(api, wanted) {
    this.api = api;
    this.wanted = wanted;
    this.listeners = [];
    this.inFlight = false;
    this.again = false;
    this.timer = null;
    this.last = null;  // {ok, status, body} of the last answer
  }

  // fn({ok, status, body, response}) after every answer; at once with the last one, if any.
  subscribe(fn) {
    this.listeners.push(fn);
    if (this.last) fn(this.last);
  }

  start() {
    this.api.onEvents('vault.', () => this.refresh());
    this.api.onEvents('presence.', () => this.refresh());
    return this.refresh();
  }

  async refresh() {
    if (this.inFlight) {
      this.again = true;
      return;
    }
    this.inFlight = true;
    clearTimeout(this.timer);
    this.timer = null;
    try {
      do {
        this.again = false;
        const r = await this.api.fetchJson('GET', '/api/vault/status');
        const ok = r.status === 200 && r.body && typeof r.body === 'object';
        this.last = { ok, status: r.status, body: ok ? r.body : null, response: r };
        for (const fn of this.listeners) fn(this.last);
      } while (this.again);
    } finally {
      this.inFlight = false;
      this.arm();
    }
  }

  arm() {
    clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.timer = null;
      if (this.wanted()) this.refresh();
      else this.arm();  // nothing shows it now; the page shown again refreshes at once
    }, REFRESH_MS);
  }
}

// Whether an answer says the site has no vault link (no [vault] section).
export function notConfigured(answer) {
  return answer.ok && answer.body.configured === false;
}

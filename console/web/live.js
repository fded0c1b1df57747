// The live event stream (WebSocket /ws/events), delivered to subscribers in seq order, each seq
// once, never silently skipped:
// - the server's first message is {"control":"hello","head_seq":N}; events after it have seq > N
//   (the history up to N is for whoever wants it: GET /api/events?before_seq=N+1);
// - {"control":"resync","after_seq":N} says the server dropped this session's queue: the events
//   after N are fetched from GET /api/events?after_seq= (paging until next_after_seq is null)
//   while the stream's later events wait in a buffer, then the buffer follows;
// - a dropped connection is reopened with backoff, and the gap since the last seq delivered is
//   filled the same way.

const PAGE = 500;
const MIN_DELAY_MS = 500;
const MAX_DELAY_MS = 10000;

export class LiveEvents {
  // fetchJson: the session's JSON fetch (a 401 ends the session); onState(state): 'connecting',
  // 'live', 'catching_up', 'reconnecting' or 'offline'.
  constructor({ fetchJson, onState }) {
    this.fetchJson = fetchJson;
    this.onState = onState || (() => {});
    this.subscribers = [];
    this.socket = null;
    this.lastSeq = null;   // the newest seq delivered (or the first hello's head)
    this.filling = false;  // a catch-up fetch runs; stream events wait in `buffered`
    this.refill = false;   // another resync came during the catch-up
    this.buffered = [];
    this.delay = MIN_DELAY_MS;
    this.timer = null;
    this.stopped = true;
    this.state = 'offline';
    this.firstHello = new Promise((resolve) => { this.resolveFirstHello = resolve; });
  }

  // Resolves with the head seq of the first hello (null when the server sent none).
  connected() {
    return this.firstHello;
  }

  subscribe(prefix, handler) {
    const entry = { prefix: String(prefix || ''), handler };
    this.subscribers.push(entry);
    return () => { this.subscribers = this.subscribers.filter((s) => s !== entry); };
  }

  start() {
    this.stopped = false;
    this.open();
  }

  stop() {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    const socket = this.socket;
    this.socket = null;
    if (socket) socket.close();
    this.setState('offline');
  }

  setState(state) {
    if (state === this.state) return;
    this.state = state;
    this.onState(state);
  }

  open() {
    const scheme = location.protocol === 'https:' ? 'wss://' : 'ws://';
    const socket = new WebSocket(scheme + location.host + '/ws/events');
    this.socket = socket;
    this.setState(this.lastSeq === null ? 'connecting' : 'reconnecting');
    socket.onmessage = (message) => {
      if (this.socket !== socket) return;
      let data;
      try { data = JSON.parse(message.data); } catch (e) { return; }
      this.receive(data);
    };
    socket.onclose = () => {
      if (this.socket !== socket) return;
      this.socket = null;
      this.retry();
    };
  }

  async retry() {
    if (this.stopped) return;
    this.setState('reconnecting');
    // A stream closed because the session ended: /api/me answers 401 and the shell takes the
    // operator to the login view instead of reconnecting for ever.
    const me = await this.fetchJson('GET', '/api/me');
    if (this.stopped || me.status === 401 || me.status === 403) return;
    const wait = this.delay * (0.75 + Math.random() * 0.5);
    this.delay = Math.min(this.delay * 2, MAX_DELAY_MS);
    this.timer = setTimeout(() => {
      this.timer = null;
      if (!this.stopped) this.open();
    }, wait);
  }

  receive(data) {
    if (data && data.control === 'hello') {
      this.delay = MIN_DELAY_MS;
      const head = Number(data.head_seq);
      if (this.lastSeq === null) {
        this.lastSeq = Number.isFinite(head) ? head : null;
        this.resolveFirstHello(this.lastSeq);
        this.setState('live');
      } else if (Number.isFinite(head) && head > this.lastSeq) {
        this.catchUp();
      } else if (!this.filling) {
        this.setState('live');
      }
      return;
    }
    if (data && data.control === 'resync') {
      if (this.lastSeq === null) this.lastSeq = Number(data.after_seq) || 0;
      this.catchUp();
      return;
    }
    if (!data || typeof data.seq !== 'number' || typeof data.type !== 'string') return;
    if (this.lastSeq === null) {  // a server that sends no hello
      this.lastSeq = data.seq - 1;
      this.resolveFirstHello(null);
      this.setState('live');
    }
    if (this.filling) {
      this.buffered.push(data);
    } else {
      this.deliver(data);
    }
  }

  deliver(event) {
    if (this.lastSeq !== null && event.seq <= this.lastSeq) return;  // had it already
    this.lastSeq = event.seq;
    for (const s of this.subscribers.slice()) {
      if (event.type.startsWith(s.prefix)) {
        try {
          s.handler(event);
        } catch (e) {
          console.error('event subscriber', s.prefix, e);
        }
      }
    }
  }

  // Fetches every event after the last one delivered, oldest first, then lets the buffered
  // stream follow. A resync that arrives meanwhile makes it fetch again before the buffer.
  async catchUp() {
    if (this.filling) {
      this.refill = true;
      return;
    }
    this.filling = true;
    this.setState('catching_up');
    let failures = 0;
    do {
      this.refill = false;
      let after = this.lastSeq || 0;
      while (!this.stopped) {
        const r = await this.fetchJson('GET', '/api/events?after_seq=' + after + '&limit=' + PAGE);
        if (r.status !== 200) {
          failures += 1;
          console.error('live catch-up: HTTP ' + r.status, r.body && r.body.error);
          if (r.status === 401 || r.status === 403 || failures >= 5) {
            // The connection is dropped: its reconnect fills the gap from lastSeq again.
            this.filling = false;
            this.buffered = [];
            if (this.socket) this.socket.close();
            return;
          }
          await new Promise((resolve) => setTimeout(resolve, 500 * failures));
          continue;
        }
        const events = (r.body.events || []).slice().sort((a, b) => a.seq - b.seq);
        for (const e of events) this.deliver(e);
        const next = r.body.next_after_seq;
        if (next === null || next === undefined) break;
        // next_after_seq: where the next page starts; one that does not move on would loop.
        if (!(Number(next) > after)) break;
        after = Number(next);
      }
    } while (this.refill && !this.stopped);
    const waiting = this.buffered;
    this.buffered = [];
    this.filling = false;
    for (const e of waiting) this.deliver(e);
    if (this.socket) this.setState('live');
  }
}

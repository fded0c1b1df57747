// The console shell's pure logic (console/web) under node's test runner: site-zone times, the
// catalogue's t() (placeholders, ⟦key⟧ and the console.error for a missing key), an event in
// words (names, reasons, the card of an unknown-card denial, zones of presence events), and the
// live stream's promise: every seq once, in order, across a resync and a reconnect. The pages
// themselves run in headless Chromium (tests/browser).
import assert from 'node:assert/strict';
import { test } from 'node:test';

const WEB = new URL('../../../console/web/', import.meta.url);
const load = (file) => import(new URL(file, WEB));

test('times are the site wall clock with its zone label', async () => {
  const { formatTime, zoneLabel, parseSiteTime, toSiteInput } = await load('time.js');
  const us = Date.UTC(2026, 11, 1, 8, 5, 9) * 1000;
  assert.equal(formatTime(us, 540), '2026-12-01 17:05:09');
  assert.equal(formatTime(us, 540, { date: false }), '17:05:09');
  assert.equal(formatTime(us, 540, { seconds: false }), '2026-12-01 17:05');
  assert.equal(formatTime(us, -300), '2026-12-01 03:05:09');
  assert.equal(formatTime(null, 540), '');
  assert.equal(zoneLabel(540), 'UTC+09:00');
  assert.equal(zoneLabel(-330), 'UTC-05:30');
  assert.equal(zoneLabel(0), 'UTC+00:00');
  assert.equal(parseSiteTime('2026-12-01T17:05', 540), Date.UTC(2026, 11, 1, 8, 5) * 1000);
  assert.equal(parseSiteTime('yesterday', 540), null);
  assert.equal(toSiteInput(us, 540), '2026-12-01T17:05');
});

test('t() fills placeholders and marks a missing key', async () => {
  globalThis.document = { documentElement: {} };
  globalThis.fetch = async (url) => {
    assert.equal(url, '/api/ui/messages?lang=en');
    return { ok: true, json: async () => ({ lang: 'en', messages: { 'feed.held': '{count} new' } }) };
  };
  const i18n = await load('i18n.js');
  assert.equal(await i18n.loadLanguage('en'), true);
  assert.equal(i18n.lang(), 'en');
  assert.equal(i18n.t('feed.held', { count: 3 }), '3 new');
  assert.equal(i18n.t('feed.held'), '{count} new');
  assert.equal(i18n.has('feed.held'), true);
  const logged = [];
  const error = console.error;
  console.error = (...args) => logged.push(args);
  try {
    assert.equal(i18n.t('no.such'), '\u27e6no.such\u27e7');
  } finally {
    console.error = error;
  }
  assert.deepEqual(logged, [['missing message', 'no.such']]);
  assert.equal(i18n.has('no.such'), false);
});

test('an event in words: names, reason, card, zone', async () => {
  const { describeEvent } = await load('event_text.js');
  const t = (key, params) => key + (params ? JSON.stringify(params) : '');
  const known = { 'door:d1': 'Door One', 'zone:z1': 'Zone One', 'person:p9': 'Nine' };
  const names = { get: (kind, id) => known[kind + ':' + id] || id };
  let d = describeEvent({ type: 'access.denied', source: 'door:d1', subject: '',
                          payload: { door: 'd1', decision: 'denied', reason: 'unknown_card',
                                     card: '04A1B2C3', person: '' } }, { t, names });
  assert.equal(d.label, 'event.access.denied');
  assert.equal(d.where, 'Door One');
  assert.equal(d.result, 'result.denied');
  assert.equal(d.detail, 'reason.unknown_card · feed.card{"card":"04A1B2C3"}');
  assert.equal(d.tone, 'denied');
  d = describeEvent({ type: 'access.denied', subject: 'p9',
                      payload: { door: 'd1', decision: 'denied', reason: 'wrong_pin', person: 'p9',
                                 card: '04A1' } }, { t, names });
  assert.equal(d.who, 'Nine');
  assert.equal(d.detail, 'reason.wrong_pin');  // a known card's number is not the point
  d = describeEvent({ type: 'presence.entered', subject: 'p1',
                      payload: { person: 'p1', person_name: 'Aiko', zone: 'z1', door: 'd1' } },
                    { t, names });
  assert.equal(d.where, 'Zone One');
  assert.equal(d.who, 'Aiko');
  assert.equal(d.detail, 'feed.via_door{"door":"Door One"}');
  assert.equal(describeEvent({ type: 'door.forced', payload: { door: 'd1' } }, { t, names }).tone,
               'alarm');
  assert.equal(describeEvent({ type: 'operator.login', source: 'console', subject: 'desk',
                               payload: {} }, { t, names }).who, 'desk');
});

test('the live stream delivers every seq once, in order, across resync and reconnect',
     async () => {
  globalThis.location = { protocol: 'https:', host: 'console' };
  const sockets = [];
  globalThis.WebSocket = class {
    constructor(url) { this.url = url; sockets.push(this); }
    close() { if (this.onclose) this.onclose(); }
  };
  const { LiveEvents } = await load('live.js');
  const trail = Array.from({ length: 1200 }, (_, i) => ({ seq: i + 1, type: 'access.granted' }));
  const asked = [];
  const fetchJson = async (method, path) => {
    asked.push(path);
    if (path === '/api/me') return { status: 200, body: {} };
    const q = new URLSearchParams(path.split('?')[1]);
    const after = Number(q.get('after_seq'));
    const rest = trail.filter((e) => e.seq > after);
    const page = rest.slice(0, Number(q.get('limit')));
    return { status: 200, body: { events: page,
                                  next_after_seq: rest.length > page.length ? page.at(-1).seq : null } };
  };
  const states = [];
  const live = new LiveEvents({ fetchJson, onState: (s) => states.push(s) });
  const got = [];
  live.subscribe('access.', (e) => got.push(e.seq));
  const doors = [];
  live.subscribe('door.', (e) => doors.push(e.seq));
  live.start();
  assert.equal(sockets[0].url, 'wss://console/ws/events');
  const send = (socket, message) => socket.onmessage({ data: JSON.stringify(message) });
  send(sockets[0], { control: 'hello', head_seq: 10 });
  assert.equal(await live.connected(), 10);
  send(sockets[0], trail[10]);
  send(sockets[0], trail[11]);
  send(sockets[0], trail[11]);                      // the same seq twice: once
  assert.deepEqual(got, [11, 12]);
  send(sockets[0], { control: 'resync', after_seq: 12 });
  send(sockets[0], trail[1000]);                    // the stream goes on while the gap is fetched
  send(sockets[0], { control: 'resync', after_seq: 12 });  // and overflows again meanwhile
  send(sockets[0], trail[1001]);
  await new Promise((resolve) => setTimeout(resolve, 50));
  assert.deepEqual(got, trail.slice(10).map((e) => e.seq));
  assert.ok(asked.some((p) => p.startsWith('/api/events?after_seq=12&limit=500')));
  assert.ok(states.includes('catching_up'));
  assert.equal(states.at(-1), 'live');

  const before = got.length;
  trail.push({ seq: 1201, type: 'access.denied' }, { seq: 1202, type: 'door.forced' });
  sockets[0].close();                               // dropped: reopened with backoff
  await new Promise((resolve) => setTimeout(resolve, 1200));
  assert.equal(sockets.length, 2);
  send(sockets[1], { control: 'hello', head_seq: 1202 });
  await new Promise((resolve) => setTimeout(resolve, 50));
  assert.deepEqual(got.slice(before), [1201]);      // the gap since the last seq, filled
  assert.deepEqual(doors, [1202]);                  // each subscriber its own prefix
  live.stop();
  assert.equal(states.at(-1), 'offline');
});

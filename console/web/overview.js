// The overview: a strip of status tiles on top, the floor plan and the plugins' main panels, the
// side panels (the alarm queue, who is inside) beside them, and the live event feed below.
// Plugins add tiles and panels through api.addTile / api.addOverviewPanel; for a role without
// the overview those calls get elements that are never shown.

import { EventFeed } from './event_feed.js';
import { FloorPlan } from './plan.js';

const HISTORY_ROWS = 100;
const HELLO_WAIT_MS = 3000;

function ordered(container, element, order) {
  element.dataset.order = String(order);
  const after = Array.from(container.children).find((c) => Number(c.dataset.order) > order);
  container.insertBefore(element, after || null);
}

export class Overview {
  // api: {t, names, formatTime, navigate, hasPage, fetchJson, live}; element: the page's element
  // (null when the role has no overview).
  constructor(api, element) {
    this.api = api;
    this.element = element || document.createElement('section');
    this.element.classList.add('overview');
    this.ids = new Set();

    this.tiles = document.createElement('div');
    this.tiles.className = 'overview-tiles';
    this.tiles.setAttribute('data-testid', 'overview-tiles');
    const body = document.createElement('div');
    body.className = 'overview-body';
    this.main = document.createElement('div');
    this.main.className = 'overview-main';
    this.main.setAttribute('data-testid', 'overview-main');
    this.side = document.createElement('aside');
    this.side.className = 'overview-side';
    this.side.setAttribute('data-testid', 'overview-side');
    body.append(this.main, this.side);

    this.plan = new FloorPlan(api);
    const planPanel = this.panel({ id: 'plan', title: 'plan.title', order: 0 });
    planPanel.body.appendChild(this.plan.element);
    ordered(this.main, planPanel.section, 0);

    this.feed = new EventFeed(api);
    this.element.append(this.tiles, body, this.feed.element);
    // Subscribed from the start, so nothing between the stream's hello and the history is lost
    // (and only when the overview is shown at all).
    if (element) api.live.subscribe('', (e) => this.feed.add([e]));
  }

  claim(kind, id) {
    const key = kind + ':' + id;
    if (!/^[a-z0-9][a-z0-9_-]{0,63}$/.test(String(id))) {
      throw new Error(kind + ' id must be 1..64 of [a-z0-9_-]: ' + id);
    }
    if (this.ids.has(key)) throw new Error(kind + ' ' + id + ' is added twice');
    this.ids.add(key);
  }

  panel({ id, title, order }) {
    const section = document.createElement('section');
    section.className = 'panel overview-panel';
    section.dataset.panel = id;
    section.setAttribute('data-testid', 'overview-panel-' + id);
    const heading = document.createElement('h2');
    heading.className = 'panel-title';
    heading.textContent = this.api.t(title);
    const body = document.createElement('div');
    body.className = 'panel-body';
    body.setAttribute('data-testid', 'overview-panel-' + id + '-body');
    section.append(heading, body);
    return { section, body, order: Number(order) || 0 };
  }

  // A tile on the status strip; returns its body (the title is the shell's).
  addTile({ id, title, order = 100 }) {
    this.claim('tile', id);
    const tile = document.createElement('section');
    tile.className = 'tile';
    tile.dataset.tile = id;
    tile.setAttribute('data-testid', 'overview-tile-' + id);
    const heading = document.createElement('h3');
    heading.className = 'tile-title';
    heading.textContent = this.api.t(title);
    const body = document.createElement('div');
    body.className = 'tile-body';
    body.setAttribute('data-testid', 'overview-tile-' + id + '-body');
    tile.append(heading, body);
    ordered(this.tiles, tile, Number(order));
    return body;
  }

  // A panel in the main area (under the plan) or the side column; returns its body.
  addPanel({ id, title, order = 100, area = 'side' }) {
    this.claim('panel', id);
    const p = this.panel({ id, title, order });
    ordered(area === 'main' ? this.main : this.side, p.section, p.order);
    return p.body;
  }

  // After the plugins started (their names known): the plan, then the feed's history up to the
  // stream's first hello (the stream brings everything after it).
  async start(zones) {
    this.plan.load(zones);
    if (this.api.hasPage('events')) this.feed.addSearchLink('#/events');
    const head = await Promise.race([
      this.api.live.connected(),
      new Promise((resolve) => setTimeout(() => resolve(null), HELLO_WAIT_MS)),
    ]);
    const query = head === null || head === undefined
      ? '?limit=' + HISTORY_ROWS
      : '?before_seq=' + (Number(head) + 1) + '&limit=' + HISTORY_ROWS;
    const r = await this.api.fetchJson('GET', '/api/events' + query);
    if (r.status === 200) this.feed.add(r.body.events || []);
  }
}

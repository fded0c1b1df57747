// The alarms plugin of the console shell (plugin API v2, docs/console-ui.md): the alarm queue on
// the overview and the alarms page (list, detail, acknowledge / comment / resolve / shelve).
// Served from alarms/web by the alarms service (its UiPlugin, loaded for the roles that may see
// alarms); every text comes from this folder's messages.json. The server decides every step;
// the buttons only mirror what the role and the alarm's state allow (docs/alarms.md).

import { AlarmQueue } from './alarm_queue.js';
import { AlarmsPage } from './alarms_page.js';

// The page matrix (docs/console-ui.md): who gets the alarms page; bcp_coordinator only reads.
const PAGE_ROLES = new Set(['operator', 'security_admin', 'bcp_coordinator']);
const PAGE_ORDER = 20;      // after the overview (10), before events (30)
const QUEUE_ORDER = 10;     // the first of the overview's side panels

function ensureStylesheet() {
  if (document.querySelector('link[data-alarms-css]')) return;
  const link = document.createElement('link');
  link.rel = 'stylesheet';
  link.href = new URL('./alarms.css', import.meta.url).pathname;
  link.setAttribute('data-alarms-css', '');
  document.head.appendChild(link);
}

export async function start(api) {
  if (!PAGE_ROLES.has(api.me.role)) return;
  ensureStylesheet();
  const page = new AlarmsPage(api, api.addPage({ id: 'alarms', title: 'page.alarms',
                                                 order: PAGE_ORDER }));
  const queue = new AlarmQueue(api, api.addOverviewPanel({ id: 'alarm-queue',
                                                           title: 'alarms.queue.title',
                                                           order: QUEUE_ORDER, area: 'side' }));
  page.start();
  await queue.start();
}

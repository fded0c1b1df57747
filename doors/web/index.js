// The doors plugin of the console shell (plugin API v2, docs/console-ui.md), served from
// doors/web by the doors service (its UiPlugin, loaded for operator, facility_admin and
// security_admin): the doors page (#/doors, #/doors?id=<door> with its commands), the people
// page (#/people, #/people?id=<person>: enrollment), the access page (#/access: levels, groups,
// schedules, holidays), and on the overview the Doors and Circle gates tiles, the Who is inside,
// Lockdown, Never alone and Muster panels and the plan's door, gate and people layers. Every
// text comes from this folder's messages.json.

import { ensureStylesheet } from './dom.js';
import { DoorStore } from './door_store.js';
import { DoorsPage } from './doors_page.js';
import { PeoplePage } from './people_page.js';
import { DoorsTile, GatesTile, WhoIsInside } from './overview_pieces.js';
import { addPlanLayers } from './plan_layer.js';
import { AccessPage } from './access_page.js';
import { ZoneWatch, LockdownPanel, AlonePanel, MusterPanel } from './zone_pieces.js';

// The page matrix (docs/console-ui.md).
const DOORS_PAGE_ROLES = new Set(['operator', 'facility_admin', 'security_admin']);
const PEOPLE_PAGE_ROLES = new Set(['facility_admin', 'security_admin']);
const ACCESS_PAGE_ROLES = new Set(['facility_admin', 'security_admin']);
const OVERVIEW_ROLES = new Set(['operator', 'security_admin', 'bcp_coordinator']);
// The zone control panels: the desk roles the zone routes serve (doors/zone_routes.hpp).
const ZONE_PANEL_ROLES = new Set(['operator', 'security_admin']);

const DOORS_ORDER = 40;
const PEOPLE_ORDER = 50;
const ACCESS_ORDER = 55;
const DOORS_TILE_ORDER = 10;
const GATES_TILE_ORDER = 20;
const INSIDE_PANEL_ORDER = 20;  // after the alarm queue (10) in the side column
const LOCKDOWN_PANEL_ORDER = 12;
const ALONE_PANEL_ORDER = 14;
const MUSTER_PANEL_ORDER = 20;  // main column, under the floor plan (0)

export async function start(api) {
  const role = api.me.role;
  const doorsPage = DOORS_PAGE_ROLES.has(role);
  const overview = OVERVIEW_ROLES.has(role);
  if (!doorsPage && !PEOPLE_PAGE_ROLES.has(role) && !ACCESS_PAGE_ROLES.has(role) && !overview) return;
  ensureStylesheet();
  const store = new DoorStore(api);

  if (doorsPage) {
    new DoorsPage(api, store, api.addPage({ id: 'doors', title: 'page.doors', order: DOORS_ORDER }));
  }
  if (PEOPLE_PAGE_ROLES.has(role)) {
    new PeoplePage(api, store, api.addPage({ id: 'people', title: 'page.people', order: PEOPLE_ORDER }));
  }
  if (ACCESS_PAGE_ROLES.has(role)) {
    new AccessPage(api, api.addPage({ id: 'access', title: 'page.access', order: ACCESS_ORDER }));
  }
  let zones = null;
  if (overview && ZONE_PANEL_ROLES.has(role)) {
    zones = new ZoneWatch(api);
    new LockdownPanel(api, zones, api.addOverviewPanel({ id: 'lockdown', title: 'zones.lockdown.title',
                                                          order: LOCKDOWN_PANEL_ORDER, area: 'side' }));
    new AlonePanel(api, zones, api.addOverviewPanel({ id: 'never-alone', title: 'zones.alone.title',
                                                      order: ALONE_PANEL_ORDER, area: 'side' }));
    new MusterPanel(api, zones, api.addOverviewPanel({ id: 'muster', title: 'zones.muster.title',
                                                       order: MUSTER_PANEL_ORDER, area: 'main' }));
  }
  if (overview) {
    new DoorsTile(api, store, api.addTile({ id: 'doors', title: 'doors.tile.doors', order: DOORS_TILE_ORDER }));
    new GatesTile(api, store, api.addTile({ id: 'gates', title: 'doors.tile.gates', order: GATES_TILE_ORDER }));
    new WhoIsInside(api, store, api.addOverviewPanel({ id: 'who-is-inside', title: 'doors.inside.title',
                                                       order: INSIDE_PANEL_ORDER, area: 'side' }));
    addPlanLayers(api, store, { canOpenDoors: doorsPage });
  }
  await Promise.all([store.start(), zones ? zones.start() : null]);
}

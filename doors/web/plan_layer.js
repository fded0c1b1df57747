// The doors plugin's layers of the overview's floor plan: a marker for each door and gate at
// its plan point (docs/config.md, `plan`), coloured by its state, a click opening its page; and
// a dot for each person inside a zone drawn on the plan, at a spot of their own in the zone's
// rectangle (the same on every render), moved when presence.* events move them; a dot's tooltip
// is the person's name.

import { svg } from './dom.js';
import { doorState, stateTone } from './door_state_words.js';
import { stateText } from './door_text.js';
import { spotFor } from './presence_model.js';

export function addPlanLayers(api, store, { canOpenDoors }) {
  // Sizes in the floor's own units: a marker is about 1/45 of the floor's shorter side.
  const scaleOf = (g) => {
    const drawing = g.ownerSVGElement;
    const box = drawing && drawing.viewBox && drawing.viewBox.baseVal;
    return box && box.width > 0 ? Math.min(box.width, box.height) : 600;
  };

  api.plan.addLayer({
    id: 'people',
    order: 20,
    render(floorId, g, geometry) {
      const unit = scaleOf(g) / 45;
      for (const [person, where] of store.presence.byPerson) {
        if (geometry.floorOf(where.zone) !== floorId) continue;
        const rect = geometry.zone(where.zone);
        if (!rect || !(rect.w > 0) || !(rect.h > 0)) continue;
        const at = spotFor(person, rect, unit * 1.2);
        const name = where.name || api.names.get('person', person);
        const title = svg('title');
        title.textContent = api.t('doors.plan.person', { name, zone: api.names.get('zone', where.zone) });
        g.appendChild(svg('circle', { cx: at.x, cy: at.y, r: unit * 0.6, class: 'plan-person',
                                      'data-person': person, 'data-zone': where.zone,
                                      'data-testid': 'overview-plan-person' }, [title]));
      }
    },
  });

  api.plan.addLayer({
    id: 'doors',
    order: 30,
    render(floorId, g) {
      const unit = scaleOf(g) / 45;
      for (const row of store.rows) {
        if (!row.plan || row.plan.floor !== floorId) continue;
        const state = doorState(row);
        const gate = row.kind === 'circle_gate';
        const title = svg('title');
        title.textContent = api.t('doors.plan.marker', { name: row.name || row.id, state: stateText(api, row) });
        const shape = gate
          ? svg('circle', { cx: row.plan.x, cy: row.plan.y, r: unit * 0.7, class: 'plan-door-shape' })
          : svg('rect', { x: row.plan.x - unit * 0.6, y: row.plan.y - unit * 0.6, width: unit * 1.2,
                          height: unit * 1.2, rx: unit * 0.15, class: 'plan-door-shape' });
        const marker = svg('g', { class: 'plan-door tone-' + stateTone(state) + ' state-' + state +
                                    (gate ? ' gate' : ''),
                                  'data-id': row.id, 'data-kind': row.kind || 'door', 'data-state': state,
                                  'data-testid': 'overview-plan-door', role: canOpenDoors ? 'link' : 'img',
                                  tabindex: canOpenDoors ? 0 : null }, [title, shape]);
        if (canOpenDoors) {
          const open = () => api.navigate('#/doors?id=' + encodeURIComponent(row.id));
          marker.addEventListener('click', open);
          marker.addEventListener('keydown', (e) => {
            if (e.key === 'Enter' || e.key === ' ') { e.preventDefault(); open(); }
          });
        }
        g.appendChild(marker);
      }
    },
  });

  store.onChange(() => api.plan.refresh());
}

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

  // A circle gate is round, a rack a tall cabinet (seen from above in its row), the key cabinet
  // a wide box, a door a square: the desk tells them apart before reading a tooltip.
  function shapeOf(row, unit) {
    const { x, y } = row.plan;
    if (row.kind === 'circle_gate') {
      return svg('circle', { cx: x, cy: y, r: unit * 0.7, class: 'plan-door-shape' });
    }
    const [w, h] = row.kind === 'rack' ? [0.8, 1.6] : row.kind === 'key_cabinet' ? [1.6, 0.8] : [1.2, 1.2];
    return svg('rect', { x: x - unit * w / 2, y: y - unit * h / 2, width: unit * w, height: unit * h,
                         rx: unit * 0.15, class: 'plan-door-shape' });
  }

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
        const shape = shapeOf(row, unit);
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

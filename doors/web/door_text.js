// A door or gate row in the operator's words: its state, lock, position, panel, tamper and
// zones, through the catalogue (messages.json: doors.*).

import { doorState, stateTone } from './door_state_words.js';

export function stateText(api, row) {
  return api.t('doors.state.' + doorState(row));
}

export function toneClass(row) {
  return 'tone-' + stateTone(doorState(row));
}

export function kindText(api, row) {
  return api.t(row.kind === 'circle_gate' ? 'doors.kind.circle_gate' : 'doors.kind.door');
}

export function lockText(api, row) {
  return api.t('doors.lock.' + (['locked', 'unlocked'].includes(row.lock) ? row.lock : 'unknown'));
}

export function positionText(api, row) {
  return api.t('doors.position.' + (['open', 'closed'].includes(row.position) ? row.position : 'unknown'));
}

export function panelText(api, row) {
  const state = row.panel_online === true ? 'online' : row.panel_online === false ? 'offline' : 'unknown';
  return api.t('doors.panel.' + state);
}

export function tamperText(api, row) {
  if (row.tamper === true) return api.t('doors.tamper.active');
  if (row.tamper === false) return api.t('doors.tamper.none');
  return api.t('doors.tamper.unknown');
}

export function zonesText(api, row) {
  return api.t('doors.zones', { from: api.names.get('zone', row.from_zone),
                                to: api.names.get('zone', row.to_zone) });
}

// "Door forced · 2026-12-01 17:05:09", or "none".
export function lastEventText(api, row) {
  const e = row.last_event;
  if (!e || !e.type) return api.t('doors.last_event.none');
  const label = api.has('event.' + e.type) ? api.t('event.' + e.type) : e.type;
  return api.t('doors.last_event.at', { event: label, time: api.formatTime(e.time_us) });
}

// A refused cycle in words: the refusal, the booth's readings and the camera to look at
// ({refusal, readings, camera}: catalogue texts; camera '' when the gate has none).
export function refusalWords(api, refusal) {
  if (!refusal) return null;
  const readings = [];
  if (refusal.presence !== null && refusal.presence !== undefined) {
    readings.push(api.t('doors.gate.presence', { n: refusal.presence }));
  }
  if (refusal.weight_g !== null && refusal.weight_g !== undefined) {
    readings.push(api.t('doors.gate.weight', { kg: (refusal.weight_g / 1000).toFixed(1) }));
  }
  const key = 'refusal.' + refusal.refusal;
  return {
    refusal: api.has(key) ? api.t(key) : String(refusal.refusal || ''),
    readings: readings.join(' · '),
    camera: refusal.camera ? api.t('doors.gate.camera', { camera: refusal.camera }) : '',
  };
}

// The booth's newest readings ("1 person · 72.0 kg"), or empty before any report.
export function gateReadings(api, row) {
  const parts = [];
  if (typeof row.presence === 'number') parts.push(api.t('doors.gate.presence', { n: row.presence }));
  if (typeof row.weight_g === 'number') {
    parts.push(api.t('doors.gate.weight', { kg: (row.weight_g / 1000).toFixed(1) }));
  }
  return parts.join(' · ');
}

// One event in words for the desk: its label, where, who, the decision and the detail, with
// names instead of ids. Used by the overview's feed; the events page may use it too
// (import { describeEvent } from '/event_text.js').

const ALARM_TYPES = new Set(['door.forced', 'door.tamper', 'alarm.raised', 'alarm.retriggered',
                             'alarm.escalated', 'credential.row_mismatch', 'operator.row_mismatch',
                             'access.card_locked_out', 'access.store_unavailable',
                             'audit.witness_refused', 'audit.events_refused']);
const WARNING_TYPES = new Set(['door.held_open', 'panel.offline', 'panel.link_refused',
                               'operator.login_failed', 'operator.forbidden', 'mqtt.bad_payload',
                               'mqtt.foreign_topic', 'audit.witness_silent', 'health.panel_silent',
                               'health.broker_stats_lost', 'telemetry.quality_lost',
                               'telemetry.out_of_envelope', 'alarm.unshelved']);
const RESOLVED_TYPES = new Set(['alarm.acknowledged', 'alarm.resolved', 'alarm.cleared',
                                'panel.online', 'health.panel_back', 'health.broker_stats_back',
                                'telemetry.quality_recovered', 'telemetry.back_in_envelope']);

// 'alarm', 'denied', 'warning', 'granted', 'resolved' or 'info': the row's colour (app.css).
export function eventTone(event) {
  const p = event.payload || {};
  if (ALARM_TYPES.has(event.type)) return 'alarm';
  if (p.decision === 'denied' || event.type === 'access.denied') return 'denied';
  if (WARNING_TYPES.has(event.type)) return 'warning';
  if (event.type === 'door.tamper' && p.state === 'cleared') return 'resolved';
  if (p.decision === 'granted') return 'granted';
  if (RESOLVED_TYPES.has(event.type)) return 'resolved';
  return 'info';
}

function text(value) {
  return value === undefined || value === null ? '' : String(value);
}

// Where an event came from when it names no door, zone or panel: "Alarm #12", the operator's
// name, the console, the controller (the source is `<kind>:<id>` or a bare kind, docs/events.md).
export function sourceText(source, api) {
  const raw = text(source);
  const colon = raw.indexOf(':');
  const kind = colon < 0 ? raw : raw.slice(0, colon);
  const id = colon < 0 ? '' : raw.slice(colon + 1);
  if (['door', 'gate', 'panel', 'zone', 'person'].includes(kind)) return api.names.get(kind, id);
  if (kind === 'operator') return id;
  if (api.has && api.has('events_page.source.' + kind)) {
    return api.t('events_page.source.' + kind, { id });
  }
  return id || kind;
}

// {label, where, who, result, detail, tone} for `event`; api gives t, has and names.
export function describeEvent(event, api) {
  const { t, names } = api;
  const p = event.payload || {};
  let where = '';
  if (p.zone && String(event.type).startsWith('presence.')) {
    where = names.get('zone', p.zone);
  } else if (p.door) {
    where = names.get('door', p.door);
  } else if (p.zone) {
    where = names.get('zone', p.zone);
  } else if (p.panel) {
    where = names.get('panel', p.panel);
  } else if (p.alarm && p.alarm.source_kind && p.alarm.source_id) {
    where = names.get(p.alarm.source_kind, p.alarm.source_id);
  } else {
    where = sourceText(event.source, api);
  }

  // access.*, presence.* and door.* events are about a person (their subject) when one badged.
  const aboutPerson = ['access.', 'presence.', 'door.'].some((f) => String(event.type).startsWith(f));
  const personId = p.person || (aboutPerson ? event.subject : '');
  let who = '';
  if (p.person_name) {
    who = p.person_name;
  } else if (personId) {
    who = names.get('person', personId);
  } else if (p.actor) {
    who = text(p.actor);
  } else {
    who = text(event.subject);
  }

  let result = '';
  if (p.decision === 'granted' || p.decision === 'denied') result = t('result.' + p.decision);

  const details = [];
  if (p.decision === 'denied' && p.reason) details.push(t('reason.' + p.reason));
  // An unknown card has no person: its number is what the desk can act on.
  if (p.card && (p.reason === 'unknown_card' || (!personId && p.decision === 'denied'))) {
    details.push(t('feed.card', { card: p.card }));
  }
  if (String(event.type).startsWith('presence.') && p.door) {
    details.push(t('feed.via_door', { door: names.get('door', p.door) }));
  }
  if (String(event.type).startsWith('alarm.') && p.alarm && p.alarm.type) {
    details.push(t('alarm.type.' + p.alarm.type));
    if (p.alarm.priority) details.push(t('feed.priority', { priority: p.alarm.priority }));
  }
  if (p.comment) details.push(text(p.comment));

  return {
    label: t('event.' + event.type),
    where,
    who,
    result,
    detail: details.join(' · '),
    tone: eventTone(event),
  };
}

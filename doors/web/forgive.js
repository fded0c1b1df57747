// Anti-passback forgiveness (POST /api/people/{id}/passback/forgive {comment}; operator and
// security admin): a button that opens a comment box in place, so the desk lets a person refused
// for anti-passback through once, with the reason in the trail.

import { el, button, outcomeLine, showOutcome } from './dom.js';

export function forgiveControl(api, person, personName, testid) {
  const box = el('span', { cls: 'doors-forgive', testid, attrs: { 'data-person': person } });
  const outcome = outcomeLine(testid + '-outcome');
  const open = button(api.t('doors.forgive'), testid + '-open', { onClick: () => {
    const comment = el('input', { testid: testid + '-comment',
                                  attrs: { type: 'text', maxlength: 500, 'aria-label': api.t('doors.comment'),
                                           placeholder: api.t('doors.comment') } });
    const send = button(api.t('doors.forgive.submit'), testid + '-submit', { cls: 'primary', onClick: async () => {
      const text = comment.value.trim();
      if (!text) return outcome.show('error', api.t('doors.comment.required'));
      send.disabled = true;
      const r = await api.fetchJson('POST', '/api/people/' + encodeURIComponent(person) + '/passback/forgive',
                                    { comment: text });
      send.disabled = false;
      if (showOutcome(api, outcome, r, api.t('doors.forgive.done', {
        person: personName || api.names.get('person', person) })) === 'done') {
        comment.remove();
        send.remove();
      }
    } });
    box.replaceChildren(comment, send, outcome);
    comment.focus();
  } });
  box.append(open, outcome);
  return box;
}

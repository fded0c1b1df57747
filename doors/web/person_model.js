// A person as the person page shows them (GET /api/people/{id}, doors/person_routes): which
// factors are enrolled (yes/no only: the secrets never leave the controller), their cards with
// each card's history, and the approvals still waiting for a second person about them
// (GET /api/approvals?state=pending). Pure: no DOM, no api.

// The factors in the order the page lists them; `enrolled` from the route's booleans.
export const FACTORS = ['card', 'pin', 'finger', 'finger_2', 'keypad_code', 'photo'];

export function factorRows(person) {
  const f = (person && person.factors) || {};
  const cards = (person && Array.isArray(person.cards)) ? person.cards : [];
  const has = {
    card: f.card !== undefined ? f.card === true : cards.some((c) => c.state === 'active'),
    pin: f.pin === true,
    finger: f.finger === true || f.finger_1 === true,
    finger_2: f.finger_2 === true || f.second_finger === true,
    keypad_code: f.keypad_code === true,
    photo: f.photo === true || Boolean(person && person.photo_url),
  };
  return FACTORS.map((factor) => ({ factor, enrolled: has[factor] }));
}

// Cards, the active ones first, then by when they were set (newest first); each card's history
// (its events: set, revoked) newest first.
export function cardRows(person) {
  const cards = (person && Array.isArray(person.cards)) ? person.cards.slice() : [];
  const time = (c) => Number(c.set_us || c.since_us || 0);
  cards.sort((a, b) => (a.state === 'active' ? 0 : 1) - (b.state === 'active' ? 0 : 1) ||
                       time(b) - time(a) || String(a.uid).localeCompare(String(b.uid)));
  return cards.map((c) => ({
    ...c,
    state: c.state === 'active' ? 'active' : 'revoked',
    history: (Array.isArray(c.history) ? c.history.slice() : [])
      .sort((a, b) => (Number(b.time_us) || 0) - (Number(a.time_us) || 0)),
  }));
}

// The pending approvals about this person (subject == id) of the doors' kinds.
export function waitingApprovals(approvals, personId) {
  return (approvals || [])
    .filter((a) => a && a.state === 'pending' && a.subject === personId &&
                   String(a.kind || '').startsWith('doors.'))
    .sort((a, b) => (Number(b.created_us) || 0) - (Number(a.created_us) || 0));
}

// The people list narrowed by a search: name, id, organisation or card number.
export function matchesPerson(person, query) {
  const q = String(query || '').trim().toLowerCase();
  if (!q) return true;
  return [person.name, person.id, person.organisation].some((v) => String(v || '').toLowerCase().includes(q)) ||
         (person.cards || []).some((c) => String(c.uid || '').toLowerCase().includes(q));
}

// The limits the routes enforce, checked first so the page can say what is wrong.
export const PHOTO_MAX_BYTES = 256 * 1024;
export const PHOTO_TYPES = ['image/jpeg', 'image/png'];

// doors::kMinPinDigits..kMaxPinDigits.
export function checkPinText(text) {
  return /^\d{4,8}$/.test(String(text || ''));
}

// doors::kMinKeypadDigits..kMaxKeypadDigits.
export function checkKeypadText(text) {
  return /^\d{6,8}$/.test(String(text || ''));
}

export function checkPersonId(text) {
  return /^[a-z0-9_-]{1,64}$/.test(String(text || ''));  // protocol::isValidId
}

// The bytes of a file as base64 (the routes take JSON).
export function bytesToBase64(bytes) {
  let binary = '';
  const chunk = 0x8000;
  for (let i = 0; i < bytes.length; i += chunk) {
    binary += String.fromCharCode.apply(null, bytes.subarray(i, i + chunk));
  }
  return btoa(binary);
}

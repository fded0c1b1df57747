// Display names for ids, by kind ('zone', 'door', 'gate', 'person', 'panel', ...): the shell fills
// zones from GET /api/site and people from events' person_name; domain plugins add theirs (the
// doors plugin: doors and gates). An id with no name shows as itself.

const byKind = new Map();

export function setName(kind, id, name) {
  if (id === undefined || id === null || id === '' || !name) return;
  let names = byKind.get(kind);
  if (!names) {
    names = new Map();
    byKind.set(kind, names);
  }
  names.set(String(id), String(name));
}

export function getName(kind, id) {
  if (id === undefined || id === null) return '';
  const names = byKind.get(kind);
  const name = names && names.get(String(id));
  return name || String(id);
}

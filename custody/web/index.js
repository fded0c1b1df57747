// The custody domain's console module (plugin API v2, docs/console-ui.md). This stop it brings
// only the catalogue: the labels of the custody.* events in the live feed, the events page and
// the alarm queue. The page itself (the key cabinet's slots, carried-in items per person, the
// detectors and their clear form) is not built yet: GET /api/custody answers what it will show.
export async function start() {}

// Pages, their nav entries and hash routing: `#/<page>[?query]`. A page is shown by its id; its
// onShow handlers run with the query's URLSearchParams each time it is shown or its query
// changes, onHide when another page takes its place.

function parseHash(hash) {
  const text = String(hash || '').replace(/^#\/?/, '');
  const q = text.indexOf('?');
  const id = decodeURIComponent(q < 0 ? text : text.slice(0, q));
  return { id, query: q < 0 ? '' : text.slice(q + 1) };
}

export class Router {
  constructor({ nav, container, missing, t }) {
    this.nav = nav;
    this.container = container;
    this.missing = missing;  // {element, show(id)}
    this.t = t;
    this.pages = new Map();
    this.current = null;
    this.currentQuery = null;
    this.landing = null;
    this.started = false;
  }

  add({ id, title, order = 100 }) {
    if (!/^[a-z0-9][a-z0-9_-]{0,63}$/.test(String(id))) {
      throw new Error('page id must be 1..64 of [a-z0-9_-]: ' + id);
    }
    if (this.pages.has(id)) throw new Error('page ' + id + ' is added twice');
    const element = document.createElement('section');
    element.className = 'page page-' + id;
    element.dataset.page = id;
    element.setAttribute('data-testid', 'page-' + id);
    element.hidden = true;
    this.container.appendChild(element);

    const link = document.createElement('a');
    link.className = 'nav-item';
    link.href = '#/' + id;
    link.dataset.page = id;
    link.dataset.order = String(order);
    link.setAttribute('data-testid', 'nav-' + id);
    link.textContent = this.t(title);
    const after = Array.from(this.nav.children).find((a) => Number(a.dataset.order) > order);
    this.nav.insertBefore(link, after || null);

    const page = { id, element, link, shows: [], hides: [] };
    this.pages.set(id, page);
    // A page added after routing started may be the one the URL names.
    if (this.started && parseHash(location.hash).id === id) this.route();
    return {
      element,
      onShow: (fn) => { page.shows.push(fn); },
      onHide: (fn) => { page.hides.push(fn); },
    };
  }

  has(id) {
    return this.pages.has(id);
  }

  ids() {
    return Array.from(this.nav.children).map((a) => a.dataset.page);
  }

  params() {
    return new URLSearchParams(parseHash(location.hash).query);
  }

  navigate(hash) {
    const target = String(hash).startsWith('#') ? String(hash) : '#/' + hash;
    if (location.hash === target) {
      this.currentQuery = null;  // the same URL again: its page shows (refreshes) again
      this.route();
    } else {
      location.hash = target;  // hashchange routes
    }
  }

  start(landing) {
    this.landing = landing;
    this.started = true;
    window.addEventListener('hashchange', () => this.route());
    // No page in the URL: the landing page. A page this operator lacks (a bookmark, a link
    // from someone else) says so, with a way home.
    if (!parseHash(location.hash).id) history.replaceState(null, '', '#/' + landing);
    this.route();
  }

  route() {
    const { id, query } = parseHash(location.hash);
    if (!id && this.landing) {
      history.replaceState(null, '', '#/' + this.landing);
      this.route();
      return;
    }
    const page = this.pages.get(id);
    if (this.current && this.current !== page) {
      this.current.element.hidden = true;
      this.current.link.classList.remove('active');
      this.current.link.removeAttribute('aria-current');
      for (const fn of this.current.hides) this.call(fn);
    }
    if (!page) {
      this.current = null;
      this.missing.show(id);
      return;
    }
    this.missing.element.hidden = true;
    const changed = this.current !== page || this.currentQuery !== query;
    this.current = page;
    this.currentQuery = query;
    page.element.hidden = false;
    page.link.classList.add('active');
    page.link.setAttribute('aria-current', 'page');
    if (changed) {
      const params = new URLSearchParams(query);
      for (const fn of page.shows) this.call(fn, params);
    }
  }

  call(fn, arg) {
    try {
      const result = fn(arg);
      if (result && typeof result.catch === 'function') {
        result.catch((e) => console.error('page handler', e));
      }
    } catch (e) {
      console.error('page handler', e);
    }
  }
}

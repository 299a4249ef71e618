// table.js: the agents table and the legend.
//
// One row per series, made once and then updated cell by cell, only where the
// text changed. Agent-supplied strings reach the page through textContent and
// never through HTML parsing. Rows are ordered live first, then by name.

import { formatNumber } from './charts.js';
import { STATE_LEFT, STATE_LIVE } from './wire.js';
import { STATE_TEXT, labelOf } from './looks.js';

function el (tag, cls, text) {
  const e = document.createElement(tag);
  if (cls) e.className = cls;
  if (text !== undefined) e.textContent = text;
  return e;
}

function setText (node, text) {
  if (node.textContent !== text) node.textContent = text;
}

export function ago (ms) {
  if (!(ms >= 0)) return '';
  const s = ms / 1000;
  if (s < 1) return 'now';
  if (s < 60) return Math.floor(s) + 's ago';
  if (s < 3600) return Math.floor(s / 60) + 'm ago';
  return Math.floor(s / 3600) + 'h ago';
}

export class AgentsTable {
  // onPick(id) is called with the clicked row's identity (or null to clear).
  constructor (tbody, onPick) {
    this.tbody = tbody;
    this.rows = new Map();     // id -> { tr, cells }
    this.order = '';
    this.selected = null;
    this.onPick = onPick;
    this.tbody.addEventListener('click', (ev) => {
      const tr = ev.target.closest('tr');
      if (!tr || !this.tbody.contains(tr)) return;
      const id = tr.dataset.id;
      this.select(this.selected === id ? null : id);
      this.onPick(this.selected);
    });
    this.tbody.addEventListener('keydown', (ev) => {
      if (ev.key !== 'Enter' && ev.key !== ' ') return;
      const tr = ev.target.closest('tr');
      if (!tr) return;
      ev.preventDefault();
      tr.click();
    });
  }

  // Forgets every row (the page switched between series and the lines of a
  // long window, whose ids differ).
  reset () {
    this.rows.clear();
    this.order = '';
    this.tbody.replaceChildren();
  }

  select (id) {
    this.selected = id;
    for (const [rid, r] of this.rows) r.tr.classList.toggle('selected', rid === id);
  }

  row (s) {
    let r = this.rows.get(s.id);
    if (r) return r;
    const tr = el('tr');
    tr.dataset.id = s.id;
    tr.tabIndex = 0;
    const name = el('td', 'name');
    const box = el('div', 'name-box');
    const swatch = el('span', 'swatch');
    const label = el('span', 'label');
    box.append(swatch, label);
    name.append(box);
    const cells = {
      swatch, label,
      host: el('td', 'host'),
      pid: el('td', 'num pid'),
      state: el('td', 'state'),
      cpu: el('td', 'num cpu'),
      mem: el('td', 'num mem'),
      lost: el('td', 'num lost')
    };
    const stateBadge = el('span', 'badge');
    const stateAgo = el('span', 'ago');
    cells.state.append(stateBadge, stateAgo);
    cells.badge = stateBadge;
    cells.ago = stateAgo;
    tr.append(name, cells.host, cells.pid, cells.state, cells.cpu, cells.mem, cells.lost);
    r = { tr, cells, colour: null };
    this.rows.set(s.id, r);
    return r;
  }

  // Brings the table up to date with `list` (Series objects); `match(id)` tells
  // whether the filter lets a row through; `nowMs` is the browser clock.
  update (list, match, nowMs) {
    const sorted = list.slice().sort((a, b) =>
      (a.state === b.state ? 0 : a.state === STATE_LIVE ? -1 : 1) ||
      (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
    for (const s of sorted) {
      const r = this.row(s);
      const c = r.cells;
      setText(c.label, labelOf(s));
      c.label.title = labelOf(s);
      setText(c.host, s.host ?? '–');
      setText(c.pid, s.pid === null ? '–' : String(s.pid));
      setText(c.badge, s.state);
      if (r.state !== s.state) {
        c.badge.className = 'badge ' + (s.state === STATE_LIVE ? STATE_LIVE : STATE_LEFT);
        c.badge.title = STATE_TEXT[s.state] || s.state;
        r.tr.classList.toggle('gone', s.state !== STATE_LIVE);
        r.state = s.state;
      }
      setText(c.ago, s.lastSeen ? ago(nowMs - s.lastSeen) : '');
      const last = s.last || {};
      setText(c.cpu, formatNumber(typeof last.cpu === 'number' ? last.cpu : NaN));
      setText(c.mem, formatNumber(typeof last.mem === 'number' ? last.mem : NaN));
      setText(c.lost, String(s.lost));
      if (r.colour !== s.colour) {
        c.swatch.style.backgroundColor = s.colour;
        r.colour = s.colour;
      }
      r.tr.hidden = !match(s.id);
    }
    const order = sorted.map((s) => s.id).join('\n');
    if (order !== this.order) {
      this.order = order;
      const frag = document.createDocumentFragment();
      for (const s of sorted) frag.append(this.rows.get(s.id).tr);
      this.tbody.append(frag);
    }
  }
}

// The legend: a chip per visible series (swatch and name); a click picks it
// like a table row. Past `max` chips a "+N more" chip says how many are left out.
export class Legend {
  constructor (box, onPick, max = 24) {
    this.box = box;
    this.max = max;
    this.onPick = onPick;
    this.key = '';
    this.selected = null;
    box.addEventListener('click', (ev) => {
      const chip = ev.target.closest('button.chip');
      if (!chip || chip.dataset.id === undefined) return;
      this.onPick(this.selected === chip.dataset.id ? null : chip.dataset.id);
    });
  }

  update (list, match, selected) {
    const shown = list.filter((s) => match(s.id));
    const key = shown.slice(0, this.max).map((s) => s.id + '\t' + s.colour + '\t' + s.state).join('\n') +
      '|' + shown.length + '|' + selected;
    if (key === this.key) return;
    this.key = key;
    this.selected = selected;
    const frag = document.createDocumentFragment();
    for (const s of shown.slice(0, this.max)) {
      const chip = el('button', 'chip');
      chip.type = 'button';
      chip.dataset.id = s.id;
      if (s.id === selected) chip.classList.add('selected');
      if (s.state !== STATE_LIVE) chip.classList.add('gone');
      const sw = el('span', 'swatch');
      sw.style.backgroundColor = s.colour;
      chip.append(sw, el('span', 'label', labelOf(s)));
      chip.title = labelOf(s) + ' · ' + (STATE_TEXT[s.state] || s.state);
      frag.append(chip);
    }
    if (shown.length > this.max) frag.append(el('span', 'chip more', '+' + (shown.length - this.max) + ' more'));
    this.box.replaceChildren(frag);
  }
}

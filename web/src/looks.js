// looks.js: the one colour and the one name of a line, and what its state
// means, in every view. No DOM: tests/web/looks.test.mjs runs it in Node.
//
// The same service is drawn by several kinds of line: a series per sample in
// the short windows (agent@host:pid), a line per pid or a line per service
// (agent@host, across its pids) in the long ones, a chip in the legend and a
// row in the table. They all take their colour from Colours.of(service) and
// their name from labelOf, so a service is one colour and one name whichever
// view shows it.
//
// The colour of a service is the colour its agent sends (`color`, when the
// browser takes it as a CSS colour and it is at most COLOR_MAX bytes), else a
// palette colour picked by the service's name. zapm-agent picks a default
// colour from its name and pid, so a restarted service may have sent several;
// the one of its highest pid wins (the newest process, as a rule), whichever
// view heard of it first, so the page settles on one colour for it.

import { COLOR_MAX, STATE_LEFT, STATE_LIVE } from './wire.js';
// series.js imports this file too; the two functions are declarations, bound
// before either module's body runs.
import { isCount, utf8Bytes } from './series.js';

const PALETTE = [
  '#4e79a7', '#f28e2b', '#e15759', '#76b7b2', '#59a14f', '#edc948',
  '#b07aa1', '#ff9da7', '#9c755f', '#8cd17d', '#499894', '#d37295',
  '#86bcb6', '#f1ce63', '#a0cbe8', '#ffbe7d', '#fabfd2', '#b6992d'
];

const nonEmpty = (x) => typeof x === 'string' && x !== '';

function hash (text) {
  let h = 2166136261;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 16777619);
  }
  return h >>> 0;
}

// Whether the browser takes `text` as a CSS colour; false where there is no CSS
// object (Node, in the unit tests).
export function cssColour (text) {
  return typeof CSS !== 'undefined' && typeof CSS.supports === 'function' &&
    CSS.supports('color', text);
}

// The agent's own `color` when it is at most COLOR_MAX bytes and `isColour`
// takes it, else a palette colour picked by `key`, so a line keeps its colour
// on reload.
export function colourFor (key, color, isColour = cssColour) {
  if (nonEmpty(color) && utf8Bytes(color) <= COLOR_MAX && isColour(color)) return color;
  return PALETTE[hash(key) % PALETTE.length];
}

// The colour of every service the page has heard of.
export class Colours {
  // isColour as for colourFor; onChange(service): its colour changed.
  constructor ({ isColour = cssColour, onChange = () => {} } = {}) {
    this.isColour = isColour;
    this.onChange = onChange;
    this.map = new Map();      // service -> { pid, colour }
  }

  // Takes in the colour `color` (a string, or null when none was sent) that
  // series `pid` (a number, or null) of `service` sent; it is the service's
  // when no higher pid sent one. Returns whether the service's colour changed.
  note (service, pid, color) {
    if (service === null) return false;
    const p = isCount(pid) ? pid : -1;
    const had = this.map.get(service);
    if (had && p < had.pid) return false;
    const colour = nonEmpty(color) ? colourFor(service, color, this.isColour) : null;
    if (had && had.pid === p && colour === null && had.colour !== null) return false;
    const before = this.of(service);
    this.map.set(service, { pid: p, colour });
    const changed = this.of(service) !== before;
    if (changed) this.onChange(service);
    return changed;
  }

  // The colour of `service`.
  of (service) {
    const c = this.map.get(service);
    return c && c.colour !== null ? c.colour : colourFor(String(service), null, this.isColour);
  }
}

// The name a line goes by in the charts' readout, the legend and the table:
// its identity (agent@host:pid for a series or a per-pid line, agent@host for
// a service's line, the colour of a book-style series).
export const labelOf = (row) => row.id;

// A line's state when only history has it: the series left before the page
// opened (or before the collector's restart). Not a wire name: the page's own.
export const DEPARTED = 'departed';

// What each state a line can be in means, for the page's tooltips and legend.
export const STATE_TEXT = Object.freeze({
  [STATE_LIVE]: 'live: its agent is sending samples now',
  [STATE_LEFT]: 'left: its agent stopped sending (no sample for 3 of its intervals), now or in the day before the collector started; its line ends there',
  [DEPARTED]: 'departed: known only from the stored history; it stopped sending more than a day before the collector started'
});

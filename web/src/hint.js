// hint.js: the command the empty page suggests for a first agent, as this
// collector takes agents. No DOM: tests/web/hint.test.mjs runs it in Node.
//
// /api/agents says how agents reach the collector (`ingest`: its socket as
// bound, and whether it takes CURVE only). A bound wildcard host ("*",
// 0.0.0.0, ::) becomes the host the page was loaded from; a CURVE collector
// gets the CURVE options, with the certificates zapm-keygen writes.

import { KEY_CURVE_ONLY, KEY_ENDPOINT, KEY_INGEST, WIRE_CONNECT_DEFAULT } from './wire.js';

const WILDCARD = /^tcp:\/\/(\*|0\.0\.0\.0|\[::\]|::)(:\d+)$/;

const isObject = (x) => x !== null && typeof x === 'object' && !Array.isArray(x);

// The endpoint an agent connects to, for socket `bound` seen from `hostname`.
export function connectTo (bound, hostname) {
  if (typeof bound !== 'string' || bound === '') return WIRE_CONNECT_DEFAULT;
  const m = WILDCARD.exec(bound);
  if (!m) return bound;
  const host = hostname && hostname.includes(':') && !hostname.startsWith('[') ? '[' + hostname + ']' : hostname;
  return 'tcp://' + (host || 'localhost') + m[2];
}

// { command, note } for `agents` (the /api/agents answer, or anything when it
// failed) on a page at `location` (its hostname is used).
export function emptyHint (agents, location = { hostname: 'localhost' }) {
  const ingest = isObject(agents) && isObject(agents[KEY_INGEST]) ? agents[KEY_INGEST] : {};
  const connect = connectTo(ingest[KEY_ENDPOINT], location.hostname);
  if (ingest[KEY_CURVE_ONLY] === true) {
    return {
      command: 'zapm-agent --connect ' + connect +
        ' --curve-server collector --curve-cert agent --name demo',
      note: 'This collector takes CURVE agents only: make the agent a certificate with ' +
        '"zapm-keygen agent", put its public file "agent" in the collector\'s --curve-allow directory, ' +
        'and give the agent the collector\'s public certificate ("collector", not its _secret).'
    };
  }
  return { command: 'zapm-agent --connect ' + connect + ' --name demo', note: '' };
}

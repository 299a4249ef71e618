// browser.dashboard: three real agents and zapm-demo, one collector, the page
// in light and dark. Both process charts show one line per agent and their points keep
// increasing; the table has one live row per agent; a click on a row highlights
// its series; the filter narrows the rows; the agent with --system brings the
// system panels and a per-core view; the demo's custom metrics get their own
// charts; `/` carries the CSP; the page logs no error (a CSP violation
// would). Screenshots go to the artifacts directory.

import path from 'node:path';
import {
  run, log, check, waitFor, sleep, Collector, startAgent, launch, openDashboard,
  snapshot, tableRows, artifacts, args, start
} from './lib.mjs';

run('browser.dashboard', async () => {
  const col = new Collector();
  await col.start();

  // CSP on the page itself.
  const res = await fetch(col.url + '/');
  check(res.ok, '/ answered', res.status);
  const csp = res.headers.get('content-security-policy') || '';
  log('CSP:', csp);
  check(csp.includes("script-src 'self'"), 'no script-src \'self\' in CSP:', JSON.stringify(csp));
  check(csp.includes("style-src 'self'"), 'no style-src \'self\' in CSP:', JSON.stringify(csp));
  check((res.headers.get('content-type') || '').startsWith('text/html'), 'content-type of /:', res.headers.get('content-type'));

  const agents = [
    ['alpha', 'tomato', ['--system']],
    ['beta', 'royalblue', []],
    ['gamma', 'no-such-colour', []]
  ];
  for (const [name, color, extra] of agents) startAgent(col.endpoint, name, color, 0.2, extra);
  const names = agents.map((a) => a[0]);
  // zapm-demo burns CPU and publishes custom metrics (iterations, leaked_bytes).
  if (args.demo) {
    start('demo', args.demo, ['--connect', col.endpoint, '--name', 'demo', '--color', '#17becf',
      '--interval', '0.2', '--leak', '2000']);
    names.push('demo');
  }
  const n = names.length;

  const ctx = await launch();
  const page = await openDashboard(ctx, col.url);
  await waitFor(n + ' lines in both charts', async () => {
    const s = await snapshot(page);
    return s.panels.cpu.lines === n && s.panels.mem.lines === n && s;
  }, 15000);
  await waitFor('state live', async () => (await snapshot(page)).state === 'live', 10000);

  // Every line belongs to one of our agents, each agent has one line.
  const first = await snapshot(page);
  for (const panel of ['cpu', 'mem']) {
    const ids = first.panels[panel].ids;
    for (const n of names) {
      check(ids.filter((id) => id.startsWith(n + '@')).length === 1, panel, 'lines for', n, ':', JSON.stringify(ids));
    }
  }

  // Points keep arriving.
  await sleep(2500);
  const second = await snapshot(page);
  log('points cpu', first.panels.cpu.points, '->', second.panels.cpu.points,
    'mem', first.panels.mem.points, '->', second.panels.mem.points);
  check(second.panels.cpu.points >= first.panels.cpu.points + n * 5, 'cpu points did not grow enough');
  check(second.panels.mem.points >= first.panels.mem.points + n * 5, 'mem points did not grow enough');

  // The table matches the agents.
  const rows = await waitFor(n + ' live rows', async () => {
    const r = await tableRows(page);
    return r.length === n && r.every((x) => x.state === 'live') && r;
  }, 5000);
  check(JSON.stringify(rows.map((r) => r.id).sort()) === JSON.stringify(second.panels.cpu.ids.slice().sort()),
    'table ids differ from chart ids:', JSON.stringify(rows));
  for (const r of rows) check(r.label === r.id, 'row label is not its id:', JSON.stringify(r));

  // The --system agent brings the system panels.
  await waitFor('system panels', async () => {
    const s = await snapshot(page);
    return s.panels.sys_cpu.lines >= 1 && s.panels.sys_mem.lines >= 1 && s.panels.load1.lines >= 1 &&
      await page.isVisible('#system');
  }, 5000);

  // zapm-demo's custom metrics get a chart each.
  if (args.demo) {
    await waitFor('custom metric charts', async () => {
      const s = await snapshot(page);
      return s.panels['custom:iterations'] && s.panels['custom:iterations'].lines === 1 &&
        s.panels['custom:leaked_bytes'] && s.panels['custom:leaked_bytes'].lines === 1 &&
        await page.isVisible('#custom');
    }, 5000);
  }

  // The per-core view of system CPU shows one line per core of the --system agent.
  await page.click('#per-core');
  await waitFor('per-core lines', async () => (await snapshot(page)).panels.sys_cpu.ids.length >= 1 &&
    (await page.textContent('#sys-cpu-title')).startsWith('CPU per core'), 3000);
  await page.click('#per-core');

  // A row click highlights that series; a second click clears it.
  const beta = rows.find((r) => r.id.startsWith('beta@')).id;
  await page.click(`#agents-body tr[data-id="${beta}"]`);
  await waitFor('focus on beta', async () => {
    const f = await page.evaluate(() => window.zapm.focus());
    return f.cpu === f.id && f.id !== null && f.width === 3;
  }, 3000);
  check(await page.$eval(`#agents-body tr[data-id="${beta}"]`, (tr) => tr.classList.contains('selected')), 'row not marked selected');
  await page.click(`#agents-body tr[data-id="${beta}"]`);
  await waitFor('focus cleared', async () => (await page.evaluate(() => window.zapm.focus())).id === null, 3000);

  // The filter narrows the rows by name.
  await page.fill('#filter', 'gam');
  await waitFor('only gamma shown', async () => {
    const r = await tableRows(page);
    const shown = r.filter((x) => !x.hidden);
    return shown.length === 1 && shown[0].id.startsWith('gamma@');
  }, 3000);

  // Colours: a CSS colour is used as is, anything else gets a palette colour.
  const swatches = await page.evaluate(() => Object.fromEntries([...document.querySelectorAll('#agents-body tr')]
    .map((tr) => [tr.dataset.id.split('@')[0], getComputedStyle(tr.querySelector('.swatch')).backgroundColor])));
  log('swatches', JSON.stringify(swatches));
  check(swatches.alpha === 'rgb(255, 99, 71)', 'alpha (tomato) swatch is', swatches.alpha);
  check(swatches.beta === 'rgb(65, 105, 225)', 'beta (royalblue) swatch is', swatches.beta);
  check(/^rgb/.test(swatches.gamma), 'gamma has no palette colour:', swatches.gamma);

  // Pause freezes the charts, resume brings them back; the window buttons work.
  await page.click('#pause');
  const frozen = (await snapshot(page)).panels.cpu.points;
  await sleep(1200);
  const still = await snapshot(page);
  check(still.paused && still.panels.cpu.points === frozen, 'charts moved while paused:', frozen, '->', still.panels.cpu.points);
  await page.click('#pause');
  await waitFor('charts move after resume', async () => (await snapshot(page)).panels.cpu.points !== frozen, 3000);
  await page.click('#window button[data-window="5m"]');
  check((await snapshot(page)).windowS === 300, 'window button did not set 5 min');
  await page.click('#window button[data-window="1m"]');

  const dir = artifacts();
  await page.fill('#filter', '');
  await page.evaluate(() => { document.activeElement.blur(); window.scrollTo(0, 0); });
  await page.mouse.move(0, 0);
  await sleep(300);

  // Hovering a chart shows the time and the nearest line's value.
  const over = await page.$('#plot-cpu .u-over');
  const box = await over.boundingBox();
  await page.mouse.move(box.x + box.width - 30, box.y + box.height - 6);
  await page.mouse.move(box.x + box.width - 20, box.y + box.height - 4);
  await waitFor('hover readout', async () => page.isVisible('#plot-cpu .tip'), 3000);
  const tip = await page.textContent('#plot-cpu .tip');
  log('hover readout:', tip);
  check(/\d\d:\d\d:\d\d/.test(tip), 'hover readout without a time:', tip);
  const light = path.join(dir, 'dashboard-light.png');
  await page.screenshot({ path: light, fullPage: true });

  await page.emulateMedia({ colorScheme: 'dark' });
  await sleep(600);
  const bg = await page.evaluate(() => getComputedStyle(document.body).backgroundColor);
  check(bg !== 'rgb(244, 246, 249)', 'dark scheme did not change the background:', bg);
  const dark = path.join(dir, 'dashboard-dark.png');
  await page.screenshot({ path: dark, fullPage: true });

  await page.emulateMedia({ colorScheme: 'light' });
  await page.setViewportSize({ width: 375, height: 812 });
  await sleep(800);
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  check(overflow <= 1, 'page scrolls sideways at 375 px by', overflow, 'px');
  const phone = path.join(dir, 'dashboard-phone.png');
  await page.screenshot({ path: phone, fullPage: true });

  check(page.zapm.errors.length === 0, 'page errors:', JSON.stringify(page.zapm.errors));
  check(page.zapm.console.length === 0, 'console errors:', JSON.stringify(page.zapm.console));
  console.log('screenshot:', light);
  console.log('screenshot:', dark);
  console.log('screenshot:', phone);
});

// service.test.mjs: the dashboard's service rule (series.js serviceOf, used by
// history.js lineIdOf for samples and lineIdOfSeries for the page's series)
// runs every case of the shared table tests/service_cases.json, which
// tests/collector/sample/test_service.c runs against common/service.c, the rule the
// store and the collector's memory use. So a group=service line the collector
// answers and the line the page folds live samples into have one name.

import test from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { ROOT, site } from './site.mjs';

const { Series, identityOf, serviceOf } = await site('series.js');
const { lineIdOf, lineIdOfSeries } = await site('history.js');
const table = JSON.parse(fs.readFileSync(path.join(ROOT, 'tests/service_cases.json'), 'utf8'));

test('the table is there and has cases that join pids, that do not, and that are dropped', () => {
  assert.ok(table.cases.length >= 15, 'too few cases: ' + table.cases.length);
  assert.ok(table.cases.some((c) => 'invalid' in c));
  assert.ok(table.cases.filter((c) => 'service' in c && c.service !== c.id).length >= 5);
  assert.ok(table.cases.some((c) => 'service' in c && c.service === c.id));
});

for (const c of table.cases) {
  test('service: ' + c.name, () => {
    const sample = { cpu: 1, mem: 1, ...c.sample };
    assert.ok(('id' in c) === ('service' in c) && ('id' in c) !== ('invalid' in c),
      'a case has id and service, or invalid');
    const id = identityOf(sample);
    if ('id' in c) {
      assert.equal(id, c.id);
      assert.equal(lineIdOf(sample, false), c.service, 'a live sample, lines joining pids');
      assert.equal(lineIdOf(sample, true), c.id, 'a live sample, a line per pid');
      const series = new Series(id, sample);
      assert.equal(lineIdOfSeries(series, false), c.service, 'a series of the page');
      assert.equal(lineIdOfSeries(series, true), c.id);
    } else {
      assert.equal(id, null, 'the collector drops it (' + c.invalid + ')');
      assert.equal(lineIdOf(sample, false), null);
    }
  });
}

test('service: parts that do not make the identity give the identity', () => {
  assert.equal(serviceOf('big', 'svc', 'h', 1), 'big');
  assert.equal(serviceOf('svc@h', 'svc', 'h', 1), 'svc@h');
  assert.equal(serviceOf('svc@h:1', 'svc', 'h', 1), 'svc@h');
  assert.equal(serviceOf('svc@h:1', 'svc', 'h', null), 'svc@h:1');
  assert.equal(serviceOf(null, 'svc', 'h', 1), null);
});

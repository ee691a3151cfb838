import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Router } from '../../src/http1/index.js';

test('router: static routes, :params (decoded), wildcards, precedence static > param > wildcard', () => {
  const r = new Router<string>()
    .add('GET', '/', 'root')
    .add('GET', '/items', 'list')
    .add('GET', '/items/new', 'form')
    .add('GET', '/items/:id', 'one')
    .add('PUT', '/items/:id', 'replace')
    .add('GET', '/items/:id/parts/:part', 'part')
    .add('GET', '/files/*path', 'file');
  assert.deepEqual(r.find('GET', '/'), { kind: 'found', handler: 'root', params: {}, pattern: '/' });
  assert.equal((r.find('GET', '/items/new') as { handler: string }).handler, 'form');
  assert.deepEqual(r.find('GET', '/items/a%20b'), {
    kind: 'found',
    handler: 'one',
    params: { id: 'a b' },
    pattern: '/items/:id',
  });
  assert.deepEqual((r.find('GET', '/items/7/parts/x') as { params: object }).params, { id: '7', part: 'x' });
  assert.deepEqual((r.find('GET', '/files/a/b/c.txt') as { params: object }).params, { path: 'a/b/c.txt' });
  assert.deepEqual(r.find('GET', '/nope'), { kind: 'not-found' });
  assert.deepEqual(r.find('GET', '/items/'), { kind: 'not-found' }, 'an empty segment is not a param');
  assert.deepEqual(r.find('DELETE', '/items/7'), {
    kind: 'method-not-allowed',
    allowed: ['GET', 'PUT', 'HEAD'],
  });
  assert.equal((r.find('HEAD', '/items') as { handler: string }).handler, 'list', 'HEAD falls back to GET');
  assert.equal(
    (r.find('GET', '/items/%E0%A4%A') as { params: Record<string, string> }).params.id,
    '%E0%A4%A',
  );
});

test('router: registration mistakes are reported', () => {
  const r = new Router<number>().add('GET', '/a/:id', 1);
  assert.throws(() => r.add('GET', '/a/:id', 2), /already registered/);
  assert.throws(() => r.add('GET', '/a/:other/x', 2), /conflicting parameter names/);
  assert.throws(() => r.add('GET', 'a', 2), /must start with/);
  assert.throws(() => r.add('GET', '/a/*rest/b', 2), /last segment/);
});

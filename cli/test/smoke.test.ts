import { test } from 'node:test';
import assert from 'node:assert/strict';
import { camelCase, jniMangle, screamingSnake } from '../src/names.js';

test('names', () => {
  assert.equal(camelCase('fetch_user_v2'), 'fetchUserV2');
  assert.equal(screamingSnake('HTTPError'), 'HTTP_ERROR');
  assert.equal(jniMangle('echo_i8'), 'echo_1i8');
});

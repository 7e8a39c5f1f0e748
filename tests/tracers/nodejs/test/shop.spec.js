// The Node.js project the real-tracer suite runs under dd-trace's mocha instrumentation.
//
// Each test plays one role against the synced fixtures (testdata/api/tracers): a known test, a
// new test, a test that test management disables, and a known flaky test that fails its first
// attempt and passes when the tracer retries it.
'use strict'

const assert = require('node:assert')
const fs = require('node:fs')
const path = require('node:path')

describe('shop', () => {
  it('known', () => {
    assert.strictEqual(1 + 1, 2)
  })

  it('new', () => {
    assert.strictEqual('new'.toUpperCase(), 'NEW')
  })

  it('disabled', () => {
    assert.fail('test management disables this test: it must not run')
  })

  it('flaky', () => {
    // First attempt fails, any retry passes: the attempt count lives in the test's tmpdir.
    const marker = path.join(process.env.TEST_TMPDIR, 'nodejs_flaky.attempts')
    const attempts = fs.existsSync(marker) ? Number(fs.readFileSync(marker, 'utf8')) : 0
    fs.writeFileSync(marker, String(attempts + 1))
    assert.ok(attempts > 0, 'first attempt fails on purpose')
  })
})

// Checks the console's pure logic in Node (no DOM): how a turn's voice-to-voice splits into
// stages for the chart, and what the sessions list derives from a session's events.
// esbuild bundles each module in memory; exit code 0 means all passed.
import assert from 'node:assert/strict';
import { checkList, loadTs } from '../../harness/model_checks.mjs';

const { splitTurn, turnLabels } = await loadTs('web/console/src/chart.ts');
const { summarize, humans, displayState } = await loadTs('web/console/src/summary.ts');
const { check, run } = checkList('console model checks');
const near = (a, b) => assert.ok(Math.abs(a - b) < 1e-9, `${a} != ${b}`);

check('a spoken turn splits into consecutive stages that add up to voice-to-voice', () => {
  const s = splitTurn({ turnIndex: 2, at: '', e2eLatency: 1.0, sttDelay: 0.2, endOfTurnDelay: 0.5, llmTtft: 0.2, ttsTtfb: 0.1 });
  assert.deepEqual(s.parts.map((p) => p.stage), ['stt', 'eot', 'llm', 'tts', 'other']);
  near(s.parts[1].seconds, 0.3); // end of turn counts only the wait after the transcript
  near(s.parts[4].seconds, 0.2);
  near(s.parts.reduce((a, p) => a + p.seconds, 0), s.total);
  assert.equal(s.total, 1.0);
});

check('a greeting has no user stages, and missing voice-to-voice is the sum of what was measured', () => {
  const s = splitTurn({ turnIndex: 0, at: '', llmTtft: 0.05, ttsTtfb: 0.2 });
  assert.deepEqual(s.parts.map((p) => p.stage), ['llm', 'tts']);
  near(s.total, 0.25);
});

check('stages that overlap voice-to-voice leave no negative remainder', () => {
  const s = splitTurn({ turnIndex: 1, at: '', e2eLatency: 0.3, sttDelay: 0.4, endOfTurnDelay: 0.2, llmTtft: 0.1 });
  assert.deepEqual(s.parts.map((p) => p.stage), ['stt', 'llm']); // eot inside stt, nothing else
  assert.ok(s.parts.every((p) => p.seconds > 0));
});

const session = (participants) => ({ sessionId: 'RM_x', status: 'finished', participants });
const person = (kind) => ({ sid: 'P', kind, state: 'left' });
const event = (type) => ({ id: type, type, at: '', data: {} });

check('turns, failovers and recovery come from the events', () => {
  const s = summarize(session([person('standard'), person('agent')]), [
    event('turn_metrics'),
    event('participant_connected'),
    event('turn_metrics'),
    event('provider_failover'),
  ]);
  assert.deepEqual(s, { turns: 2, recovered: false, failovers: 1 });
  assert.equal(summarize(session([]), [event('session_restored')]).recovered, true);
});

check('a second agent in the room is a recovery; agents are not counted as participants', () => {
  const s = session([person('standard'), person('agent'), person('agent')]);
  assert.equal(summarize(s, []).recovered, true);
  assert.equal(humans(s), 1);
});

check('turns count from 1 in the order spoken; the greeting is not a turn', () => {
  const greeting = { turnIndex: 0, at: '', llmTtft: 0.05, ttsTtfb: 0.2 };
  const spoken = (i) => ({ turnIndex: i, at: '', sttDelay: 0.1, endOfTurnDelay: 0.4 });
  assert.deepEqual(turnLabels([greeting, spoken(2), spoken(4)]), ['Greeting', 'Turn 1', 'Turn 2']);
  assert.deepEqual(turnLabels([spoken(1), spoken(3)]), ['Turn 1', 'Turn 2']); // no greeting
});

check('a session its callers have all left shows ended until the API finishes it', () => {
  const live = (state) => ({ ...session([{ ...person('standard'), state }, person('agent')]), status: 'active' });
  assert.equal(displayState(live('joined')), 'active');
  assert.equal(displayState(live('left')), 'ended');
  assert.equal(displayState({ ...session([]), status: 'active' }), 'active'); // nobody came yet
  assert.equal(displayState(session([person('standard')])), 'finished');
});

run();

// Checks the web client's transcript and upload models (plain TypeScript, no DOM) in Node:
// esbuild bundles them in memory, node:assert checks the behaviour. Exit code 0 means all passed.
import assert from 'node:assert/strict';
import { checkList, loadTs } from '../../harness/model_checks.mjs';

const { Transcript, isFinal } = await loadTs('web/src/transcript.ts');
const { Uploads, parseUploadNotice } = await loadTs('web/src/uploads.ts');
const { check, run } = checkList('model checks');
// A text stream opened on a segment with one chunk of words, as the agent sends them.
const streamWords = (t, stream, segment, role, final, words) => {
  t.openStream(stream, segment, role, final);
  t.appendChunk(stream, segment, words);
};

check('agent delta stream appends chunks and turns final on the trailer', () => {
  const t = new Transcript();
  t.openStream('s1', 'SG_a', 'agent', false);
  t.appendChunk('s1', 'SG_a', 'Hello');
  t.appendChunk('s1', 'SG_a', ' there');
  assert.deepEqual(
    t.list().map((e) => [e.role, e.text, e.final]),
    [['agent', 'Hello there', false]],
  );
  t.closeStream('s1', 'SG_a', true);
  assert.equal(t.get('SG_a').final, true);
});

check('user updates replace the segment text in place, keeping its position', () => {
  const t = new Transcript();
  streamWords(t, 'u1', 'SG_u', 'user', false, 'what is');
  t.closeStream('u1', 'SG_u', false);
  streamWords(t, 'a1', 'SG_a', 'agent', false, 'Let me');
  streamWords(t, 'u2', 'SG_u', 'user', true, 'what is the time');
  t.closeStream('u2', 'SG_u', true);
  assert.deepEqual(
    t.list().map((e) => [e.id, e.text, e.final]),
    [
      ['SG_u', 'what is the time', true],
      ['SG_a', 'Let me', false],
    ],
  );
});

check('a stale interim after the final does not undo it', () => {
  const t = new Transcript();
  streamWords(t, 'u2', 'SG_u', 'user', true, 'final words');
  t.closeStream('u2', 'SG_u', true);
  streamWords(t, 'u1', 'SG_u', 'user', false, 'old');
  assert.equal(t.get('SG_u').text, 'final words');
  assert.equal(t.get('SG_u').final, true);
});

check('chunks of a superseded stream are ignored', () => {
  const t = new Transcript();
  t.openStream('u1', 'SG_u', 'user', false);
  t.openStream('u2', 'SG_u', 'user', false);
  t.appendChunk('u2', 'SG_u', 'new');
  t.appendChunk('u1', 'SG_u', 'late');
  assert.equal(t.get('SG_u').text, 'new');
});

check('chat messages are final and track delivery', () => {
  const t = new Transcript();
  t.addChat('c1', 'user', 'hi', 'sending');
  t.setDelivery('c1', 'sent');
  assert.deepEqual(t.get('c1'), { id: 'c1', role: 'user', kind: 'chat', order: 0, text: 'hi', final: true, delivery: 'sent' });
  assert.equal(isFinal({ 'lk.transcription_final': 'true' }), true);
  assert.equal(isFinal(undefined), false);
});

check('upload notices: agent and API shapes, junk ignored', () => {
  assert.deepEqual(
    parseUploadNotice('{"type":"upload.status","filename":"a.pdf","status":"processing"}'),
    { status: 'processing', filename: 'a.pdf' },
  );
  assert.deepEqual(
    parseUploadNotice('{"type":"upload.ready","sessionId":"RM_1","uploadId":"u1","filename":"a.pdf"}'),
    { status: 'ready', filename: 'a.pdf', uploadId: 'u1' },
  );
  assert.deepEqual(
    parseUploadNotice('{"type":"upload.status","filename":"x.exe","status":"rejected","reason":"type not allowed"}'),
    { status: 'rejected', filename: 'x.exe', reason: 'type not allowed' },
  );
  for (const junk of ['not json', '[]', 'null', '{"type":"chat","filename":"a"}', '{"type":"upload.status","status":"ready"}', '{"type":"upload.status","filename":"a","status":"weird"}']) {
    assert.equal(parseUploadNotice(junk), null, junk);
  }
});

check('uploads: progress, notices by name, no going backwards, unknown files added', () => {
  const u = new Uploads();
  const a = u.add('a.pdf', 1000);
  u.progress(a, 0.5);
  assert.equal(a.progress, 0.5);
  u.apply({ status: 'processing', filename: 'a.pdf' });
  u.sent(a, 'stream-1'); // the reply can beat the send promise
  assert.equal(a.status, 'processing');
  u.apply({ status: 'ready', filename: 'a.pdf', uploadId: 'up-1' });
  u.apply({ status: 'processing', uploadId: 'up-1' });
  assert.equal(a.status, 'ready');
  const other = u.apply({ status: 'ready', filename: 'from-api.txt' });
  assert.equal(other.filename, 'from-api.txt');
  const b = u.add('b.txt', 10);
  u.failed(b, 'no agent');
  u.apply({ status: 'ready', filename: 'b.txt' });
  assert.equal(b.status, 'failed');
  assert.deepEqual(u.list().map((e) => [e.filename, e.status]), [
    ['a.pdf', 'ready'],
    ['from-api.txt', 'ready'],
    ['b.txt', 'failed'],
  ]);
});

run();

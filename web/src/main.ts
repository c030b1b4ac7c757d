/**
 * Parley browser client: one call with the assistant over LiveKit.
 *
 * `call-state.ts` holds the call's state in one object, `call.ts` runs the call, `view.ts`
 * draws it, and `test-hooks.ts` documents and installs the hooks end-to-end tests drive the
 * page through (`window.parley`, `data-testid` elements). This module wires the controls.
 */
import { call, endCall, fail, sendChat, sendFiles, setConnection, setMicLevel, startCall } from './call';
import { connectProblem } from './errors';
import { installTestHooks } from './test-hooks';
import { renderQuality, ui } from './view';

ui.talk.addEventListener('click', () => {
  const action = call.room ? endCall() : startCall();
  action.catch((error: unknown) => fail(connectProblem(error)));
});

ui.enableAudio.addEventListener('click', () => {
  call.room?.startAudio().catch(() => undefined);
});

ui.chat.addEventListener('submit', (event) => {
  event.preventDefault();
  const text = ui.chatInput.value.trim();
  if (text === '') return;
  ui.chatInput.value = '';
  void sendChat(text);
});

ui.fileInput.addEventListener('change', () => {
  const files = [...(ui.fileInput.files ?? [])];
  ui.fileInput.value = '';
  if (files.length > 0) void sendFiles(files);
});

for (const name of ['dragenter', 'dragover'] as const) {
  ui.drop.addEventListener(name, (event) => {
    event.preventDefault();
    ui.drop.classList.add('over');
  });
}
for (const name of ['dragleave', 'dragend'] as const) {
  ui.drop.addEventListener(name, () => ui.drop.classList.remove('over'));
}
ui.drop.addEventListener('drop', (event) => {
  event.preventDefault();
  ui.drop.classList.remove('over');
  const files = [...(event.dataTransfer?.files ?? [])];
  if (files.length > 0) void sendFiles(files);
});
// A file dropped beside the zone must not navigate away from the call.
window.addEventListener('dragover', (event) => event.preventDefault());
window.addEventListener('drop', (event) => event.preventDefault());

window.addEventListener('pagehide', () => {
  void call.room?.disconnect();
});

installTestHooks(call);
setConnection('idle');
renderQuality(call.quality);
setMicLevel(0, true);

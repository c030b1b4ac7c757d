// Plain-TypeScript modules checked in Node (tests/web/*model_check.mjs): esbuild bundles a
// module in memory to import it, checks are registered by name and run in order.
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/** Import a TypeScript module (a path from the repository root), bundled by esbuild. */
export async function loadTs(entry) {
  const result = await build({
    entryPoints: [path.join(root, entry)],
    bundle: true,
    format: 'esm',
    platform: 'neutral',
    write: false,
    logLevel: 'silent',
  });
  const code = result.outputFiles[0].text;
  return import(`data:text/javascript;base64,${Buffer.from(code).toString('base64')}`);
}

/** A list of named checks; `run` prints each outcome and exits 0 only if all passed. */
export function checkList(what) {
  const checks = [];
  return {
    check: (name, fn) => checks.push([name, fn]),
    run: () => {
      let failed = 0;
      for (const [name, fn] of checks) {
        try {
          fn();
          console.log(`ok   ${name}`);
        } catch (error) {
          failed += 1;
          console.log(`FAIL ${name}\n${error.stack}`);
        }
      }
      console.log(`${checks.length - failed}/${checks.length} ${what} passed`);
      process.exit(failed === 0 ? 0 : 1);
    },
  };
}

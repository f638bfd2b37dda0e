// Runs the `mpool` CLI (or any other binary) as a child process, asynchronously: a suite's
// timers and its node's RPC keep running while the CLI waits on the chain.
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { ROOT, track } from './node.js';

/** The `mpool` binary: MPOOL_BIN, else the release build of the cargo target dir. */
export const MPOOL_BIN =
  process.env.MPOOL_BIN ?? join(process.env.CARGO_TARGET_DIR ?? join(ROOT, 'target'), 'release', 'mpool');

/**
 * Spawns `bin args` with `env` added to this process's environment. The child is killed if this
 * process exits first.
 */
export function spawnTracked(bin, args, { env = {}, stdin = 'pipe' } = {}) {
  return track(spawn(bin, args, { env: { ...process.env, ...env }, stdio: [stdin, 'pipe', 'pipe'] }));
}

/**
 * Runs `bin args` to its exit, with `input` on its stdin (then end of file): resolves with
 * { code, signal, stdout, stderr, json }, `json` being stdout parsed as JSON (null if it is not).
 */
export function run(bin, args, { env, input = '' } = {}) {
  return new Promise((ok, fail) => {
    const child = spawnTracked(bin, args, { env });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d) => (stderr += d));
    // A child that exits without reading its stdin closes the pipe under us: not an error here.
    child.stdin.on('error', () => {});
    child.stdin.end(input);
    child.on('error', fail);
    child.on('close', (code, signal) => {
      let json = null;
      try {
        json = JSON.parse(stdout);
      } catch {
        // not JSON: text output, or nothing
      }
      ok({ code, signal, stdout, stderr, json });
    });
  });
}

/** `mpool args` to its exit, as `run`. */
export const runCli = (args, options) => run(MPOOL_BIN, args, options);

/**
 * A long-running child's stdout, line by line: `next()` resolves with its next line, or rejects
 * if the child exits before printing one (with what it printed, for the failure message);
 * `done` resolves on its exit with { code, signal, stdout } (all it printed).
 */
export function lineReader(child) {
  const lines = [];
  const waiting = [];
  let buffer = '';
  let stdout = '';
  let exited = null;
  const gone = () => new Error(`exited (${JSON.stringify(exited)}) after printing:\n${stdout}`);
  child.stdout.setEncoding('utf8').on('data', (d) => {
    stdout += d;
    buffer += d;
    let nl;
    while ((nl = buffer.indexOf('\n')) >= 0) {
      lines.push(buffer.slice(0, nl));
      buffer = buffer.slice(nl + 1);
    }
    while (lines.length && waiting.length) waiting.shift().ok(lines.shift());
  });
  const done = new Promise((ok) =>
    child.on('close', (code, signal) => {
      exited = { code, signal };
      for (const w of waiting.splice(0)) w.fail(gone());
      ok({ code, signal, stdout });
    }),
  );
  return {
    done,
    next() {
      if (lines.length) return Promise.resolve(lines.shift());
      if (exited) return Promise.reject(gone());
      return new Promise((ok, fail) => waiting.push({ ok, fail }));
    },
  };
}

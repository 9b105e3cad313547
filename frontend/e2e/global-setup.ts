import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

// Starts the real binary headless on a free port and a fresh data dir,
// reads the URL it prints, and hands it to the tests as FISKALDESK_URL.
export default async function globalSetup() {
  const server = await startServer();
  process.env.FISKALDESK_URL = server.url;
  process.env.FISKALDESK_SETUP_TOKEN = server.setupToken;
  return server.stop;
}

export interface Server {
  url: string;
  data: string;
  /** The one-time first-start token serve printed with its URL. */
  setupToken: string;
  stop: () => Promise<void>;
}

/** One more `fiskaldesk serve` on its own temp data dir (the sync flow pairs two). */
export async function startServer(): Promise<Server> {
  const bin = resolve(process.env.FISKALDESK_BIN ?? '../bin/fiskaldesk');
  const data = mkdtempSync(join(tmpdir(), 'fiskaldesk-e2e-'));
  const proc = spawn(bin, ['serve', '--data', data, '--addr', '127.0.0.1:0'], { stdio: ['ignore', 'pipe', 'pipe'] });
  const { url, setupToken } = await readURL(proc);
  return {
    url,
    data,
    setupToken,
    stop: async () => {
      proc.kill('SIGTERM');
      await new Promise((done) => proc.once('exit', done));
      rmSync(data, { recursive: true, force: true });
    },
  };
}

/** Reads the URL and, printed just before it, the setup link's token. */
function readURL(proc: ChildProcess): Promise<{ url: string; setupToken: string }> {
  return new Promise((resolveURL, reject) => {
    let out = '';
    let err = '';
    const timer = setTimeout(() => reject(new Error(`fiskaldesk printed no URL within 15 s\n${out}${err}`)), 15_000);
    proc.stderr!.on('data', (d) => (err += d));
    proc.stdout!.on('data', (d) => {
      out += d;
      const m = /running at (http:\/\/\S+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolveURL({ url: m[1], setupToken: /\/setup\?token=(\S+)/.exec(out)?.[1] ?? '' });
      }
    });
    proc.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`fiskaldesk exited with ${code} before serving\n${out}${err}`));
    });
  });
}

import { onMenuNavigate, saveBlob, saveDownload } from '.';

describe('saveBlob', () => {
  afterEach(() => {
    delete window.go;
  });

  it('hands the bytes to the native save dialog in the desktop app, as base64', async () => {
    const calls: [string, string][] = [];
    window.go = {
      main: {
        App: {
          APIURL: async () => '', DataDir: async () => '', OpenDataDir: async () => {},
          Backup: async () => '',
          SaveDownload: async () => '',
          SaveFile: async (name: string, data: string) => {
            calls.push([name, data]);
            return '/home/u/' + name;
          },
        },
      },
    };
    const bytes = new Uint8Array(70_000).map((_, i) => i % 251);
    expect(await saveBlob(new Blob([bytes]), 'a.tar')).toBe(true);
    expect(calls).toHaveLength(1);
    expect(calls[0][0]).toBe('a.tar');
    // Chunked conversion must give the bytes back unchanged.
    const back = Uint8Array.from(atob(calls[0][1]), (c) => c.charCodeAt(0));
    expect(back).toEqual(bytes);
  });

  it('reports a cancelled dialog', async () => {
    window.go = { main: { App: { APIURL: async () => '', DataDir: async () => '', OpenDataDir: async () => {}, SaveFile: async () => '', SaveDownload: async () => '', Backup: async () => '' } } };
    expect(await saveBlob(new Blob(['x']), 'r.pdf')).toBe(false);
  });
});

describe('saveDownload', () => {
  afterEach(() => {
    delete window.go;
    vi.unstubAllGlobals();
  });

  it('lets Go write the API file in the desktop app: only the path and headers cross, never the bytes', async () => {
    const calls: [string, string, Record<string, string>][] = [];
    const fetchSpy = vi.fn();
    vi.stubGlobal('fetch', fetchSpy);
    window.go = {
      main: {
        App: {
          APIURL: async () => '', DataDir: async () => '', OpenDataDir: async () => {}, Backup: async () => '', SaveFile: async () => '',
          SaveDownload: async (name: string, path: string, header: Record<string, string>) => {
            calls.push([name, path, header]);
            return '/home/u/' + name;
          },
        },
      },
    };
    const path = '/api/v2/tss/t1/export/e1/file';
    expect(await saveDownload(path, 'a.tar', { 'X-Organization-ID': 'o1' })).toBe(true);
    expect(calls).toEqual([['a.tar', path, { 'X-Organization-ID': 'o1' }]]);
    expect(fetchSpy).not.toHaveBeenCalled();
  });

  it('reports a cancelled dialog and passes on the server\'s error', async () => {
    let fail = false;
    window.go = {
      main: {
        App: {
          APIURL: async () => '', DataDir: async () => '', OpenDataDir: async () => {}, Backup: async () => '', SaveFile: async () => '',
          SaveDownload: async () => {
            if (fail) throw new Error('Export not found (E_EXPORT_NOT_FOUND, HTTP 404)');
            return '';
          },
        },
      },
    };
    expect(await saveDownload('/api/x', 'r.pdf')).toBe(false);
    fail = true;
    await expect(saveDownload('/api/x', 'r.pdf')).rejects.toThrow('E_EXPORT_NOT_FOUND');
  });

  it('fetches with the scope headers and hands the blob to the browser outside the app', async () => {
    const fetchSpy = vi.fn(async () => new Response('tar bytes', { status: 200 }));
    vi.stubGlobal('fetch', fetchSpy);
    const clicked: string[] = [];
    const create = URL.createObjectURL;
    URL.createObjectURL = () => 'blob:x';
    const click = HTMLAnchorElement.prototype.click;
    HTMLAnchorElement.prototype.click = function (this: HTMLAnchorElement) {
      clicked.push(this.download);
    };
    try {
      expect(await saveDownload('/api/v1/exports/e/download', 'd.tar', { 'X-Env': 'TEST' })).toBe(true);
    } finally {
      URL.createObjectURL = create;
      HTMLAnchorElement.prototype.click = click;
    }
    expect(fetchSpy).toHaveBeenCalledWith('/api/v1/exports/e/download', expect.objectContaining({ headers: { 'X-Env': 'TEST' } }));
    expect(clicked).toEqual(['d.tar']);
  });

  it('rejects with the server\'s message in a browser', async () => {
    vi.stubGlobal('fetch', vi.fn(async () => new Response(JSON.stringify({ status_code: 404, error: 'Not Found', code: 'E_X', message: 'gone' }), { status: 404 })));
    await expect(saveDownload('/api/x', 'x')).rejects.toThrow('gone');
  });
});

describe('onMenuNavigate', () => {
  afterEach(() => {
    delete window.runtime;
  });

  it('follows the menu\'s navigate events in the window and is a no-op in a browser', () => {
    const seen: string[] = [];
    expect(() => onMenuNavigate((p) => seen.push(p))()).not.toThrow();
    let handler: ((...d: unknown[]) => void) | undefined;
    let off = false;
    window.runtime = {
      EventsOn: (name, cb) => {
        expect(name).toBe('navigate');
        handler = cb;
        return () => (off = true);
      },
    };
    const stop = onMenuNavigate((p) => seen.push(p));
    handler!('/exports');
    handler!(42); // not a path
    stop();
    expect(seen).toEqual(['/exports']);
    expect(off).toBe(true);
  });
});

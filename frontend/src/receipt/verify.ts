// Checks a transaction's signature in the browser, independently of the
// server: the raw TR-03151 log (DER) is split into the data to be signed —
// every TLV inside the outer SEQUENCE from version through logTime — and
// its final signatureValue, which WebCrypto verifies with the TSS's public
// key (ECDSA P-256, SHA-256, plain r‖s as WebCrypto expects it).

interface TLV {
  tag: number;
  start: number; // offset of the tag byte
  valueStart: number;
  end: number; // offset after the value
}

function readTLV(b: Uint8Array, at: number): TLV {
  if (at + 2 > b.length) throw new Error('log truncated');
  const tag = b[at];
  if ((tag & 0x1f) === 0x1f) throw new Error('multi-byte tags are not used in TSE logs');
  let len = b[at + 1];
  let p = at + 2;
  if (len === 0x80) throw new Error('indefinite length (BER) cannot be checked');
  if (len > 0x80) {
    const n = len & 0x7f;
    if (n > 4 || p + n > b.length) throw new Error('bad length');
    len = 0;
    for (let i = 0; i < n; i++) len = len * 256 + b[p + i];
    p += n;
  }
  if (p + len > b.length) throw new Error('log truncated');
  return { tag, start: at, valueStart: p, end: p + len };
}

/** The signed bytes and the signature of a DER log message. */
export function splitLog(log: Uint8Array<ArrayBuffer>): { dtbs: Uint8Array<ArrayBuffer>; signature: Uint8Array<ArrayBuffer> } {
  const outer = readTLV(log, 0);
  if (outer.tag !== 0x30 || outer.end !== log.length) throw new Error('not a DER SEQUENCE');
  const elems: TLV[] = [];
  for (let p = outer.valueStart; p < outer.end; ) {
    const e = readTLV(log, p);
    elems.push(e);
    p = e.end;
  }
  const last = elems.at(-1);
  if (!last || last.tag !== 0x04 || elems.length < 2) throw new Error('no signatureValue');
  return { dtbs: log.slice(elems[0].start, last.start), signature: log.slice(last.valueStart, last.end) };
}

export const fromBase64 = (s: string) => Uint8Array.from(atob(s), (c) => c.charCodeAt(0));

export interface VerifyResult {
  valid: boolean;
  /** The log's signature is the one the API answered with. */
  sameAsAnswer: boolean;
}

/** Verifies log with the uncompressed P-256 public key (base64). */
export async function verifyLog(log: Uint8Array<ArrayBuffer>, publicKey: string, answered: string): Promise<VerifyResult> {
  const { dtbs, signature } = splitLog(log);
  const key = await crypto.subtle.importKey('raw', fromBase64(publicKey), { name: 'ECDSA', namedCurve: 'P-256' }, false, ['verify']);
  const valid = await crypto.subtle.verify({ name: 'ECDSA', hash: 'SHA-256' }, key, signature, dtbs);
  const a = fromBase64(answered);
  const sameAsAnswer = a.length === signature.length && a.every((x, i) => x === signature[i]);
  return { valid, sameAsAnswer };
}

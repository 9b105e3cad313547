import { splitLog, verifyLog } from './verify';

const tlv = (tag: number, value: Uint8Array) => {
  const len = value.length < 0x80 ? [value.length] : [0x81, value.length];
  return new Uint8Array([tag, ...len, ...value]);
};
const cat = (...parts: Uint8Array[]) => {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
};
const b64 = (b: Uint8Array) => btoa(String.fromCharCode(...b));

/** A log shaped like a TR-03151 message: elements, then OCTET STRING(signature). */
async function signedLog(tamper = false) {
  const pair = await crypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, true, ['sign', 'verify']);
  const elems = cat(tlv(0x02, new Uint8Array([3])), tlv(0x06, new Uint8Array([0x04, 0x00, 0x7f, 0x00, 0x07, 0x03, 0x07, 0x01, 0x01])),
    tlv(0x80, new TextEncoder().encode('StartTransaction')), tlv(0x02, new Uint8Array([0x0a])), tlv(0x02, new Uint8Array([0x65, 0x4f, 0x1a, 0x00])));
  const sig = new Uint8Array(await crypto.subtle.sign({ name: 'ECDSA', hash: 'SHA-256' }, pair.privateKey, elems));
  const body = cat(elems, tlv(0x04, sig));
  const log = cat(new Uint8Array([0x30, 0x81, body.length]), body);
  if (tamper) log[12] ^= 1;
  const pub = new Uint8Array(await crypto.subtle.exportKey('raw', pair.publicKey));
  return { log, pub: b64(pub), sig: b64(sig), elems };
}

describe('splitLog', () => {
  it('takes every TLV before the final OCTET STRING as the signed data', async () => {
    const { log, elems } = await signedLog();
    const { dtbs, signature } = splitLog(log);
    expect(dtbs).toEqual(elems);
    expect(signature).toHaveLength(64);
  });

  it('refuses what is not a definite-length SEQUENCE ending in a signature', () => {
    expect(() => splitLog(new Uint8Array([0x31, 0x00]))).toThrow('SEQUENCE');
    expect(() => splitLog(new Uint8Array([0x30, 0x80, 0x02, 0x01, 0x01, 0x00, 0x00]))).toThrow('indefinite');
    expect(() => splitLog(new Uint8Array([0x30, 0x03, 0x02, 0x01, 0x01]))).toThrow('signatureValue');
    expect(() => splitLog(new Uint8Array([0x30, 0x05, 0x02, 0x09, 0x01]))).toThrow();
  });
});

describe('verifyLog', () => {
  it('accepts a correctly signed log and sees that the answer carried its signature', async () => {
    const { log, pub, sig } = await signedLog();
    expect(await verifyLog(log, pub, sig)).toEqual({ valid: true, sameAsAnswer: true });
  });

  it('rejects a log with one flipped bit in the signed part', async () => {
    const { log, pub, sig } = await signedLog(true);
    expect((await verifyLog(log, pub, sig)).valid).toBe(false);
  });
});

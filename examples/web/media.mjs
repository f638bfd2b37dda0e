// The demo's resource: a real media file (a 16-bit mono WAV, a short tune synthesised here, so
// nothing binary is committed) cut into fixed-size chunks, and the hash list the resource is
// published with. The resource id the pool pays for is blake2-256 of the concatenated chunk
// hashes: a viewer that knows the id can check the list, and each chunk against it.
import { blake2b } from '@noble/hashes/blake2.js';

export const CHUNK_BYTES = 4 * 1024;

function wav(samples, rate) {
  const data = new Uint8Array(44 + samples.length * 2);
  const v = new DataView(data.buffer);
  const ascii = (at, s) => [...s].forEach((c, i) => v.setUint8(at + i, c.charCodeAt(0)));
  ascii(0, 'RIFF');
  v.setUint32(4, 36 + samples.length * 2, true);
  ascii(8, 'WAVEfmt ');
  v.setUint32(16, 16, true);
  v.setUint16(20, 1, true); // PCM
  v.setUint16(22, 1, true); // mono
  v.setUint32(24, rate, true);
  v.setUint32(28, rate * 2, true);
  v.setUint16(32, 2, true);
  v.setUint16(34, 16, true);
  ascii(36, 'data');
  v.setUint32(40, samples.length * 2, true);
  samples.forEach((s, i) => v.setInt16(44 + i * 2, Math.round(s * 0x5fff), true));
  return data;
}

/** The WAV bytes: `seconds` of a rising arpeggio at 8 kHz. */
export function tune(seconds = 6, rate = 8000) {
  const notes = [261.63, 329.63, 392.0, 523.25];
  const samples = new Float64Array(seconds * rate);
  for (let i = 0; i < samples.length; i++) {
    const t = i / rate;
    const f = notes[Math.floor(t * 4) % notes.length];
    const envelope = 1 - ((t * 4) % 1) * 0.7;
    samples[i] = Math.sin(2 * Math.PI * f * t) * envelope;
  }
  return wav(samples, rate);
}

const hash = (bytes) => blake2b(bytes, { dkLen: 32 });
const hex = (b) => `0x${Buffer.from(b).toString('hex')}`;

/** `{ file, chunks, manifest }`: the manifest lists each chunk's hash and the resource id. */
export function resource() {
  const file = tune();
  const chunks = [];
  for (let at = 0; at < file.length; at += CHUNK_BYTES) chunks.push(file.subarray(at, at + CHUNK_BYTES));
  const hashes = chunks.map(hash);
  const all = new Uint8Array(hashes.length * 32);
  hashes.forEach((h, i) => all.set(h, i * 32));
  return {
    file,
    chunks,
    manifest: { type: 'audio/wav', bytes: file.length, chunkHashes: hashes.map(hex), resourceId: hex(hash(all)) },
  };
}

// Test helper: a pool record's SCALE bytes (docs/handshake.md), for views the tests make up.
import { accountId } from '../dist/index.js';

const le = (value, len) => {
  const out = new Uint8Array(len);
  let v = BigInt(value);
  for (let i = 0; i < len; i++) {
    out[i] = Number(v & 0xffn);
    v >>= 8n;
  }
  return out;
};
const cat = (...parts) => {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
};

export function poolRecord({ owner, signer, resource = 'movie', deposit, collateral, expiry = 1_000, payees = 0, overdrawn = false, totalDeposit = deposit }) {
  const id = new TextEncoder().encode(resource);
  if (id.length > 63) throw new Error('short resource ids only');
  return cat(
    accountId(owner),
    Uint8Array.of(id.length << 2),
    id,
    le(deposit, 16),
    le(collateral, 16),
    le(expiry, 4),
    le(payees, 4),
    Uint8Array.of(overdrawn ? 1 : 0),
    le(totalDeposit, 16),
    accountId(signer),
  );
}

export const paidRecord = (amount) => le(amount, 16);

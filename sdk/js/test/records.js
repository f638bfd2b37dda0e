// Test helper: storage bytes of a pool record and a payout, encoded by the runtime metadata's own
// codecs (polkadot-api), so the views the tests make up are exactly what a node would return.
import { AccountId, Binary, getTypedCodecs } from 'polkadot-api';
import { mpool } from '../dist/chain.js';
import { accountId } from '../dist/index.js';

const storage = (await getTypedCodecs(mpool)).query.MicropaymentPool;
const address = AccountId();

export function poolRecord({ owner, signer, resource = 'movie', deposit, collateral, expiry = 1_000, payees = 0, overdrawn = false, totalDeposit = deposit }) {
  return storage.Pools.value.enc({
    owner: address.dec(accountId(owner)),
    resource_id: Binary.fromText(resource),
    deposit: BigInt(deposit),
    collateral: BigInt(collateral),
    expiry,
    payees,
    overdrawn,
    total_deposit: BigInt(totalDeposit),
    signer: address.dec(accountId(signer)),
  });
}

export const paidRecord = (amount) => storage.Paid.value.enc(BigInt(amount));

// The pool's economic rules (docs/protocol.md), written from their definition so the
// tests can predict every figure from the chain's own constants instead of magic numbers.
//
// - vouchers settle while `now < expiry + SettlementGrace`; `closePool` only after that;
// - a settlement pays `due = amount - paid` from the deposit; if the deposit is short, the pool
//   is overdrawn: at the FIRST overdraw the collateral is forfeited at once, a compensation pot
//   `pot = r × (collateral - totalDeposit)` stays held, the rest is slashed (CollateralForfeited);
//   each shortfall (this one and later ones) is paid from the pot as far as it goes;
// - at close the deposit left goes back to the owner, the collateral too unless forfeited, and
//   what is left of the pot is slashed.
import { POOL } from './chain.js';

export const PERBILL = 1_000_000_000n;
export const U128_MAX = (1n << 128n) - 1n;

/** The runtime's rules constants: { grace: SettlementGrace (blocks), r: CompensationShare (ppb) }. */
export function poolConstants(api) {
  const c = api.consts[POOL.section];
  return { grace: c.settlementGrace.toNumber(), r: c.compensationShare.toBigInt() };
}

/**
 * `r × x` for a Perbill `r` in parts per billion, rounded down. (The tests pick amounts for which
 * r × x is exact, so the runtime's rounding mode cannot matter.)
 */
export function share(r, x) {
  return (x * r) / PERBILL;
}

/** The compensation pot a forfeiture keeps: r × (collateral − totalDeposit). */
export function potOf(r, collateral, totalDeposit) {
  return share(r, collateral - totalDeposit);
}

/** −(1 − r)·(C − D): the bound on the coalition's net return once the pool is forfeited. */
export function netReturnBound(r, collateral, totalDeposit) {
  const excess = collateral - totalDeposit;
  return -(excess - share(r, excess));
}

/** The key `account()` (chain.js) files a hold of this pallet's `reason` under. */
export function holdKey(reason) {
  return JSON.stringify({ [POOL.section]: reason });
}

// Getters: the pool's section is known once a suite has connected (`connect` in chain.js).
export const HOLD = {
  get deposit() {
    return holdKey('PoolDeposit');
  },
  get collateral() {
    return holdKey('PoolCollateral');
  },
  get poolStorage() {
    return holdKey('PoolStorage');
  },
  get payeeStorage() {
    return holdKey('PayeeStorage');
  },
};

const min = (a, b) => (a < b ? a : b);

/** One pool under the rules above: predicts each settlement's and the close's figures. */
export class PoolModel {
  constructor(r, deposit, collateral) {
    this.r = r;
    this.deposit = deposit;
    this.collateral = collateral;
    this.totalDeposit = deposit;
    this.pot = null; // set at the first overdraw
    this.paid = new Map();
  }

  topUp(extraDeposit, extraCollateral) {
    this.deposit += extraDeposit;
    this.totalDeposit += extraDeposit;
    this.collateral += extraCollateral;
  }

  /**
   * `peer` (an address) settles a voucher for `amount`: { due, fromDeposit, shortfall,
   * compensation, payout, forfeited: null | { slashed, pot } }.
   */
  settle(peer, amount) {
    const due = amount - (this.paid.get(peer) ?? 0n);
    if (due <= 0n) throw new Error('stale voucher');
    this.paid.set(peer, amount);
    const fromDeposit = min(due, this.deposit);
    this.deposit -= fromDeposit;
    const shortfall = due - fromDeposit;
    let compensation = 0n;
    let forfeited = null;
    if (shortfall > 0n) {
      if (this.pot === null) {
        this.pot = potOf(this.r, this.collateral, this.totalDeposit);
        forfeited = { slashed: this.collateral - this.pot, pot: this.pot };
      }
      compensation = min(shortfall, this.pot);
      this.pot -= compensation;
    }
    return { due, fromDeposit, shortfall, compensation, payout: fromDeposit + compensation, forfeited };
  }

  /** Remaining pot (or whole collateral before any overdraw) as the Pool record shows it. */
  get collateralLeft() {
    return this.pot === null ? this.collateral : this.pot;
  }

  /** PoolClosed's figures: { refundedDeposit, refundedCollateral, slashed }. */
  close() {
    return {
      refundedDeposit: this.deposit,
      refundedCollateral: this.pot === null ? this.collateral : 0n,
      slashed: this.pot === null ? 0n : this.pot,
    };
  }
}

// Counts per bin or category as shares, the way Evidently's get_binned_data turns them into "percents":
// count / total, and — for PSI and KL, which divide by shares — empty bins filled with a floor: 0.0001, or the
// smallest non-empty share / 10⁶ when that share is itself at most 0.0001 ("feel_zeroes").

const FLOOR = 0.0001;

export function sharesOf(counts: ArrayLike<number>): Float64Array {
  let total = 0;
  for (let i = 0; i < counts.length; i++) total += counts[i]!;
  const out = new Float64Array(counts.length);
  for (let i = 0; i < counts.length; i++) out[i] = counts[i]! / total;
  return out;
}

/** Shares with empty bins floored as Evidently's feel_zeroes (a new array). */
export function flooredSharesOf(counts: ArrayLike<number>): Float64Array {
  const shares = sharesOf(counts);
  let min = Infinity;
  for (const s of shares) if (s !== 0 && s < min) min = s;
  const fill = min <= FLOOR ? min / 1e6 : FLOOR;
  for (let i = 0; i < shares.length; i++) if (shares[i] === 0) shares[i] = fill;
  return shares;
}

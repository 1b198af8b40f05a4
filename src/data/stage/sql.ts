/** The data stage's SQL, one statement per step, over the generator's columns (see transactions/write.ts). */

/** §5's "low-value, low-risk" rule: rows matching it are dropped. Card-present (chip/PIN) purchases under 5. */
export const DEFAULT_FILTER_RULE = "amount < 5 AND channel = 'pos'";

export const KEY_COLUMNS = ['tx_id', 'ts', 'card_id', 'merchant_id', 'category', 'channel', 'amount', 'device_id', 'lat', 'lon', 'home_lat', 'home_lon', 'is_fraud'];

export function filterSql(from: string, to: string, rule: string): string {
  // NULL-safe: a row is dropped only when the rule is definitely true.
  return `CREATE OR REPLACE TABLE ${to} AS SELECT * FROM ${from} WHERE NOT coalesce((${rule}), false)`;
}

/** A step that keeps every row (dedup turned off). */
export function copySql(from: string, to: string): string {
  return `CREATE OR REPLACE TABLE ${to} AS SELECT * FROM ${from} ORDER BY ts, tx_id`;
}

/** Exact duplicates: same 64-bit hash of every column; the first in time order is kept. */
export function exactDedupSql(from: string, to: string, columns: string[]): string {
  const cols = columns.map((c) => `"${c}"`).join(', ');
  return `CREATE OR REPLACE TABLE ${to} AS
    SELECT * EXCLUDE (row_hash) FROM (SELECT *, hash(${cols}) AS row_hash FROM ${from})
    QUALIFY row_number() OVER (PARTITION BY row_hash ORDER BY ts, tx_id) = 1
    ORDER BY ts, tx_id`;
}

/**
 * Near duplicates: same card, merchant and rounded amount within `windowS` seconds of the previous
 * such row; the first one is kept and carries the group's label (fraud if any copy was fraud).
 */
export function nearDedupSql(from: string, to: string, windowS: number, amountDecimals: number): string {
  return `CREATE OR REPLACE TABLE ${to} AS
    WITH keyed AS (
      SELECT *, epoch(ts) - epoch(lag(ts) OVER w) AS gap_s
      FROM ${from}
      WINDOW w AS (PARTITION BY card_id, merchant_id, round(amount, ${amountDecimals}) ORDER BY ts, tx_id)
    ), grouped AS (
      SELECT *, sum(CASE WHEN gap_s IS NULL OR gap_s > ${windowS} THEN 1 ELSE 0 END)
                  OVER (PARTITION BY card_id, merchant_id, round(amount, ${amountDecimals}) ORDER BY ts, tx_id ROWS UNBOUNDED PRECEDING) AS grp
      FROM keyed
    )
    SELECT * EXCLUDE (gap_s, grp, is_fraud, first_in_group), group_fraud AS is_fraud FROM (
      SELECT *, max(is_fraud) OVER (PARTITION BY card_id, merchant_id, round(amount, ${amountDecimals}), grp) AS group_fraud,
             row_number() OVER (PARTITION BY card_id, merchant_id, round(amount, ${amountDecimals}), grp ORDER BY ts, tx_id) = 1 AS first_in_group
      FROM grouped
    ) WHERE first_in_group
    ORDER BY ts, tx_id`;
}

/**
 * Features from the card's past only: every window ends at the previous row (or 1 s before the
 * current time for time-range windows), so no value depends on a later transaction.
 */
export function featuresSql(from: string, to: string): string {
  const hav = (a: string, b: string, c: string, d: string) =>
    `2 * 6371 * asin(least(1, sqrt(pow(sin(radians(${c} - ${a}) / 2), 2) + cos(radians(${a})) * cos(radians(${c})) * pow(sin(radians(${d} - ${b}) / 2), 2))))`;
  return `CREATE OR REPLACE TABLE ${to} AS
    -- rk: one rank per row, so that every window orders the kept exact duplicates (equal ts and
    -- tx_id) the same way: which copy is "first" is arbitrary, but the same in every window.
    WITH base AS (SELECT *, epoch(ts)::BIGINT AS t, row_number() OVER (ORDER BY ts, tx_id) AS rk FROM ${from}),
    win AS (
      SELECT *,
        count(*) OVER (PARTITION BY card_id ORDER BY t RANGE BETWEEN 3600 PRECEDING AND 1 PRECEDING) AS tx_count_1h,
        count(*) OVER (PARTITION BY card_id ORDER BY t RANGE BETWEEN 86400 PRECEDING AND 1 PRECEDING) AS tx_count_24h,
        coalesce(sum(amount) OVER (PARTITION BY card_id ORDER BY t RANGE BETWEEN 86400 PRECEDING AND 1 PRECEDING), 0) AS amount_sum_24h,
        avg(amount) OVER past AS past_mean,
        stddev_samp(amount) OVER past AS past_std,
        count(*) OVER past AS past_count,
        t - lag(t) OVER card AS secs_since_last,
        lag(lat) OVER card AS prev_lat,
        lag(lon) OVER card AS prev_lon,
        CASE WHEN device_id IS NULL THEN 0
             WHEN row_number() OVER (PARTITION BY card_id, device_id ORDER BY t, tx_id, rk) = 1 THEN 1 ELSE 0 END AS new_device
      FROM base
      WINDOW card AS (PARTITION BY card_id ORDER BY t, tx_id, rk),
             past AS (PARTITION BY card_id ORDER BY t, tx_id, rk ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING)
    )
    SELECT tx_id, ts, card_id, merchant_id, category, channel, amount,
      hour(ts) AS hour, isodow(ts) AS day_of_week,
      tx_count_1h, tx_count_24h, amount_sum_24h,
      CASE WHEN past_count >= 2 AND past_std > 0 THEN (amount - past_mean) / past_std END AS amount_zscore,
      past_count AS card_history,
      secs_since_last,
      new_device,
      ${hav('lat', 'lon', 'home_lat', 'home_lon')} AS km_from_home,
      CASE WHEN ${hav('lat', 'lon', 'home_lat', 'home_lon')} > 100 THEN 1 ELSE 0 END AS far_from_home,
      CASE WHEN prev_lat IS NULL THEN NULL ELSE ${hav('prev_lat', 'prev_lon', 'lat', 'lon')} END AS km_from_previous,
      is_fraud
    FROM win
    ORDER BY ts, tx_id`;
}

/** Columns of the feature table that are not model features (identifiers and time). */
export const NON_FEATURE_COLUMNS = ['tx_id', 'ts', 'card_id', 'merchant_id'];

/** The --store flag every recording command takes (same words everywhere). */
export const STORE_FLAG = ['--store <path>', 'run store (SQLite) to record in/read from (default: $VERDE_STORE, else ./verde-out/runs.db)'] as const;

/** The records of the model registry, as the database rows read back (JSON columns parsed). */

export const ROLES = ['viewer', 'developer', 'approver', 'admin'] as const;
export type Role = (typeof ROLES)[number];

/** One file of a registered model directory, by content. */
export interface StoredFile {
  path: string;
  sha256: string;
  bytes: number;
}

/** A per-feature summary (numeric features as the model receives them). */
export interface FeatureProfile {
  name: string;
  min: number;
  max: number;
  mean: number;
  missing: number;
  /** Deciles 10..90 of the non-missing values. */
  deciles: number[];
}

/**
 * The training data's fingerprint. `hash` identifies the source (sha256 of the data file, or of the
 * generator's parameters for generated data) and is what the reuse check compares; the sample is the
 * drift reference of the serve contract: <= 1,000 feature rows (tabular) or token lengths (text).
 */
export interface DataFingerprint {
  hash: string;
  source: string;
  rows: number | null;
  schema: { name: string; type: string }[];
  labelBalance: Record<string, number>;
  profile: FeatureProfile[];
  /**
   * features / tokenLengths: the drift reference; texts: a small probe sample of training texts
   * (text models) the duplicate check runs both models on, as `features.sample` is for tabular ones.
   */
  reference: { features?: { names: string[]; sample: number[][] }; tokenLengths?: number[]; texts?: string[] };
}

export interface ModelEnergy {
  trainJ: number | null;
  trainCo2eG: number | null;
  jPerInference: number | null;
  method: string;
  carbonSource?: string;
}

export interface ModelRecord {
  id: string;
  name: string;
  version: number;
  registeredAt: string;
  registeredBy: string;
  task: string;
  labels: string[];
  manifestVersion: string;
  sourceDir: string;
  lineage: { parent?: string; technique?: string; dataset?: string };
  parentId: string | null;
  params: Record<string, unknown>;
  metrics: Record<string, number>;
  energy: ModelEnergy;
  sizeBytes: number;
  data: DataFingerprint | null;
  files: StoredFile[];
  /** active: blobs and checkout; archived: zstd files only; deleted (retention): metadata only. */
  status: 'active' | 'archived' | 'deleted';
  archivedAt: string | null;
}

interface ModelRow {
  id: string; name: string; version: number; registered_at: string; registered_by: string; task: string; labels: string;
  manifest_version: string; source_dir: string; lineage: string; parent_id: string | null; params: string; metrics: string;
  energy: string; size_bytes: number; data: string; files: string; status: string; archived_at: string | null;
}

export function modelFromRow(r: ModelRow): ModelRecord {
  return {
    id: r.id, name: r.name, version: r.version, registeredAt: r.registered_at, registeredBy: r.registered_by, task: r.task,
    labels: JSON.parse(r.labels), manifestVersion: r.manifest_version, sourceDir: r.source_dir, lineage: JSON.parse(r.lineage),
    parentId: r.parent_id, params: JSON.parse(r.params), metrics: JSON.parse(r.metrics), energy: JSON.parse(r.energy),
    sizeBytes: r.size_bytes, data: JSON.parse(r.data), files: JSON.parse(r.files), status: r.status as ModelRecord['status'], archivedAt: r.archived_at,
  };
}

/**
 * Cluster feature flags (KIP-584): describe through ApiVersions (every broker reports the
 * finalized levels and what it supports) and update through UpdateFeatures, forwarded to the
 * KRaft controller. Features such as `metadata.version`, `transaction.version`, `group.version`
 * and `share.version` switch protocol behaviour on across the cluster.
 */
import { InvalidArgumentError, KafkaProtocolError } from '../../protocol/errors.js'
import { ApiVersions } from '../../protocol/messages/api-versions.js'
import { FeatureUpgradeType, UpdateFeatures } from '../../protocol/messages/update-features.js'
import type { Cluster } from '../cluster.js'
import { UnsupportedVersionError } from '../errors.js'
import { withRetry } from '../retry.js'
import { anyBrokerRequest } from './any-broker.js'

/** The cluster's feature levels, from {@link Admin.describeFeatures}. */
export interface FeatureMetadata {
  /** Levels in force across the cluster, by feature name. */
  finalized: Record<string, { minVersionLevel: number; maxVersionLevel: number }>
  /** Version of the finalized levels; null when the broker does not know them. */
  finalizedEpoch: bigint | null
  /** Levels the answering broker supports, by feature name. */
  supported: Record<string, { minVersion: number; maxVersion: number }>
}

/** How a feature level may move: up only (default), down without loss, or down with possible loss. */
export type FeatureUpgradeKind = 'upgrade' | 'safeDowngrade' | 'unsafeDowngrade'

/** A new level for one feature; a level below 1 removes the finalized feature. */
export interface FeatureUpdate {
  maxVersionLevel: number
  upgradeType?: FeatureUpgradeKind
}

/** Options of {@link Admin.updateFeatures}. */
export interface UpdateFeaturesOptions {
  /** Check the updates without applying them (Kafka 3.3+). */
  validateOnly?: boolean
  /** How long the controller may take; default 60 s. */
  timeoutMs?: number
}

const UPGRADE_TYPES: Record<FeatureUpgradeKind, number> = {
  upgrade: FeatureUpgradeType.UPGRADE,
  safeDowngrade: FeatureUpgradeType.SAFE_DOWNGRADE,
  unsafeDowngrade: FeatureUpgradeType.UNSAFE_DOWNGRADE,
}

/** Finalized and supported features, as a broker reports them in a fresh ApiVersions answer. */
export async function describeFeatures(cluster: Cluster): Promise<FeatureMetadata> {
  const res = await withRetry(async () => {
    const conn = await cluster.anyBroker()
    const r = await conn.request(ApiVersions, {})
    if (r.errorCode !== 0) throw new KafkaProtocolError(r.errorCode, `ApiVersions from ${conn.address}`)
    if (r.decodedVersion < 3) throw new UnsupportedVersionError(`describeFeatures needs ApiVersions v3+ (Kafka 2.4+); broker ${conn.address} answered v${r.decodedVersion}`)
    return r
  }, cluster.options.retry)
  const epochKnown = res.finalizedFeaturesEpoch >= 0n
  return {
    finalized: epochKnown ? Object.fromEntries(res.finalizedFeatures.map((f) => [f.name, { minVersionLevel: f.minVersionLevel, maxVersionLevel: f.maxVersionLevel }])) : {},
    finalizedEpoch: epochKnown ? res.finalizedFeaturesEpoch : null,
    supported: Object.fromEntries(res.supportedFeatures.map((f) => [f.name, { minVersion: f.minVersion, maxVersion: f.maxVersion }])),
  }
}

/**
 * Changes finalized feature levels. Throws the controller's refusal (e.g. INVALID_UPDATE_VERSION
 * for a level a broker does not support, or a downgrade asked as an upgrade), naming the feature
 * when the broker reports per feature.
 */
export async function updateFeatures(cluster: Cluster, updates: Record<string, FeatureUpdate>, options: UpdateFeaturesOptions = {}): Promise<void> {
  if (!updates || typeof updates !== 'object' || Object.keys(updates).length === 0) {
    throw new InvalidArgumentError("updateFeatures needs at least one feature, e.g. { 'group.version': { maxVersionLevel: 1 } }")
  }
  const featureUpdates = Object.entries(updates).map(([feature, u]) => {
    if (feature === '') throw new InvalidArgumentError('a feature name must be non-empty')
    if (!u || !Number.isInteger(u.maxVersionLevel) || u.maxVersionLevel < -32768 || u.maxVersionLevel > 32767) {
      throw new InvalidArgumentError(`feature '${feature}': maxVersionLevel must be an int16 integer`)
    }
    const kind = u.upgradeType ?? 'upgrade'
    if (!(kind in UPGRADE_TYPES)) throw new InvalidArgumentError(`feature '${feature}': upgradeType must be 'upgrade', 'safeDowngrade' or 'unsafeDowngrade', got ${JSON.stringify(kind)}`)
    return { feature, maxVersionLevel: u.maxVersionLevel, upgradeType: UPGRADE_TYPES[kind] }
  })
  const timeoutMs = options.timeoutMs ?? 60_000
  if (!Number.isInteger(timeoutMs) || timeoutMs < 0 || timeoutMs > 2 ** 31 - 1) throw new InvalidArgumentError(`timeoutMs must be a non-negative integer, got ${String(options.timeoutMs)}`)
  const validateOnly = options.validateOnly ?? false
  // v0 can neither validate only nor tell a safe from an unsafe downgrade.
  const needsV1 = validateOnly || featureUpdates.some((u) => u.upgradeType === FeatureUpgradeType.UNSAFE_DOWNGRADE)
  const res = await anyBrokerRequest(cluster, UpdateFeatures, { timeoutMs, featureUpdates, validateOnly }, needsV1 ? '3.3' : '2.7', (r) => r, needsV1 ? 1 : 0)
  for (const r of res.results) {
    if (r.errorCode !== 0) throw new KafkaProtocolError(r.errorCode, `feature '${r.feature}': ${r.errorMessage ?? 'update refused'}`)
  }
}

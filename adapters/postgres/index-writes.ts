import type { IndexChanges } from './index-rows.js'
import { registrationColumns, registrationColumnTypes } from './index-rows.js'

/** The `$n` of each of the five parameters the index CTEs read (see {@link indexParams}). */
export interface IndexParamNumbers {
  readonly registrations: number
  readonly users: number
  readonly droppedAppIds: number
  readonly droppedDeviceIds: number
  readonly droppedUsers: number
}

/** The five parameters of an index change, in the order of {@link IndexParamNumbers} from its first. */
export const indexParams = (changes: IndexChanges): unknown[] => [
  JSON.stringify(changes.registrations),
  JSON.stringify(changes.users),
  changes.droppedRegistrations.appIds,
  changes.droppedRegistrations.deviceIds,
  changes.droppedUsers,
]

const recordset = registrationColumns.map((c) => `${c} ${registrationColumnTypes[c]}`).join(', ')
const columnList = registrationColumns.join(', ')
const updates = registrationColumns.filter((c) => c !== 'app_id' && c !== 'device_id').map((c) => `${c} = EXCLUDED.${c}`).join(', ')

/**
 * The CTEs that bring the index tables of migration 007 in line with one commit, for a schema
 * `s`, writing only where `gate` holds (the commit's: nothing is stale, and the record writes
 * ran first). Upserts the registration and user rows; deletes the rows of dropped records and
 * of registrations whose entry became `null`; keeps `registration_owners` equal to each written
 * registration's `owners` (rows of owners no longer listed go, new ones come; unchanged ones are
 * left alone, so the common write that changes no owner writes no owner row). Every statement
 * names the app with the device, so each touches one app's rows (Citus: colocated by app_id).
 * Rows are written in key order, as the record rows are, so commits queue rather than deadlock.
 */
export const indexWriteCtes = (s: string, p: IndexParamNumbers, gate: string): string => `
    ix_reg AS MATERIALIZED (
      SELECT e.*, ${s}.key_digest(e.device_id) AS d FROM jsonb_to_recordset($${p.registrations}::jsonb) AS e(${recordset})
    ),
    ix_reg_gone AS MATERIALIZED (
      SELECT g.app_id, g.device_id, ${s}.key_digest(g.device_id) AS d
      FROM unnest($${p.droppedAppIds}::text[], $${p.droppedDeviceIds}::text[]) AS g(app_id, device_id)
    ),
    ix_reg_upserted AS (
      INSERT INTO ${s}.registration_entries (${columnList})
      SELECT ${columnList} FROM ix_reg WHERE ${gate} ORDER BY app_id, d
      ON CONFLICT (app_id, device_digest) DO UPDATE SET ${updates}
      RETURNING 1
    ),
    ix_reg_dropped AS (
      DELETE FROM ${s}.registration_entries r USING ix_reg_gone g
      WHERE r.app_id = g.app_id AND r.device_digest = g.d AND r.device_id = g.device_id AND ${gate}
      RETURNING 1
    ),
    ix_own AS MATERIALIZED (
      SELECT DISTINCT e.app_id, e.d AS device_digest, ${s}.key_digest(o.user_id) AS user_digest
      FROM ix_reg e CROSS JOIN LATERAL unnest(e.owners) AS o(user_id)
    ),
    ix_own_dropped AS (
      DELETE FROM ${s}.registration_owners x
      USING (SELECT app_id, d FROM ix_reg UNION ALL SELECT app_id, d FROM ix_reg_gone) g
      WHERE x.app_id = g.app_id AND x.device_digest = g.d AND ${gate}
        AND NOT EXISTS (SELECT 1 FROM ix_own n WHERE n.app_id = x.app_id AND n.device_digest = x.device_digest AND n.user_digest = x.user_digest)
      RETURNING 1
    ),
    ix_own_added AS (
      INSERT INTO ${s}.registration_owners (app_id, device_digest, user_digest)
      SELECT app_id, device_digest, user_digest FROM ix_own WHERE ${gate} ORDER BY app_id, device_digest, user_digest
      ON CONFLICT DO NOTHING
      RETURNING 1
    ),
    ix_user_upserted AS (
      INSERT INTO ${s}.user_entries (user_id, subscription)
      SELECT u.user_id, u.subscription FROM jsonb_to_recordset($${p.users}::jsonb) AS u(user_id text, subscription text)
      WHERE ${gate} ORDER BY ${s}.key_digest(u.user_id)
      ON CONFLICT (user_digest) DO UPDATE SET user_id = EXCLUDED.user_id, subscription = EXCLUDED.subscription
      RETURNING 1
    ),
    ix_user_dropped AS (
      DELETE FROM ${s}.user_entries u USING unnest($${p.droppedUsers}::text[]) AS g(user_id)
      WHERE u.user_digest = ${s}.key_digest(g.user_id) AND u.user_id = g.user_id AND ${gate}
      RETURNING 1
    )`

/** The statement that writes index changes on their own: the backfill of migration 007 (its only user since 008 folded the index tables into the typed tables). */
export const indexWriteStatement = (s: string): string => `WITH ${indexWriteCtes(
  s,
  { registrations: 1, users: 2, droppedAppIds: 3, droppedDeviceIds: 4, droppedUsers: 5 },
  'true',
)}
    SELECT (SELECT count(*) FROM ix_reg_upserted)::int + (SELECT count(*) FROM ix_user_upserted)::int AS n`

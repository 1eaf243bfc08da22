// Type tests under `exactOptionalPropertyTypes` (tsconfig.exact.json, run by the `typecheck`
// script), never run. An `optionalField` is `key?: T | undefined`, so both a missing key and an
// explicit `undefined` are accepted, as zod's `.optional()` does.
import * as bp from '@kp/bipack'
import { expectTypeOf } from 'vitest'

const Profile = bp.struct({ name: bp.string, nick: bp.optionalField(bp.string) })
expectTypeOf<bp.Infer<typeof Profile>>().toEqualTypeOf<{ name: string; nick?: string | undefined }>()

Profile.encode({ name: 'ann' })
Profile.encode({ name: 'ann', nick: undefined })
Profile.encode({ name: 'ann', nick: 'a' })

// Interfaces that a schema is checked against write `| undefined`, as the schema does.
interface Loose {
  name: string
  nick?: string | undefined
}
export const loose: bp.Schema<Loose> = Profile
interface Exact {
  name: string
  nick?: string
}
// @ts-expect-error: under exactOptionalPropertyTypes `nick?: string` refuses `undefined`, which the schema writes
export const exact: bp.Schema<Exact> = Profile

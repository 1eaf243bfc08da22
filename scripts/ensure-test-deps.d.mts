// Types of ensure-test-deps.mjs, for the tests that import it.

/** One Debian package the tests need. */
export interface TestDep {
  /** Debian package name. */
  pkg: string
  /** A file the package installs: present means installed. */
  bin: string
  /** What needs it, for messages. */
  why: string
}

/** Facts the decision depends on. */
export interface TestDepFacts {
  exists(path: string): boolean
  isRoot: boolean
  /** Asked only when not root and something is missing. */
  canSudo(): boolean
  hasAptGet: boolean
}

export type TestDepPlan =
  | { action: 'none'; present: TestDep[] }
  | { action: 'install'; missing: TestDep[]; commands: string[][] }
  | { action: 'fail'; missing: TestDep[]; message: string }

export declare const TEST_DEPS: TestDep[]
export declare function shellLine(argv: string[]): string
export declare function planTestDeps(deps: TestDep[], facts: TestDepFacts): TestDepPlan
export declare function ensureTestDeps(options?: {
  deps?: TestDep[]
  exists?: (path: string) => boolean
  isRoot?: boolean
  canSudo?: () => boolean
  hasAptGet?: boolean
  run?: (argv: string[]) => number
  log?: (line: string) => void
}): number

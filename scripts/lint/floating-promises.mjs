#!/usr/bin/env node
// Fails on a promise the library starts and leaves unhandled (issue 14): an expression
// statement whose value is a thenable, `void <thenable>`, or a function returning a promise
// where the caller expects a function returning void (`setTimeout(() => this.run())`,
// `queueMicrotask(async () => ...)`: nobody handles what it returns). Handle it instead: `await` it,
// return it, or attach a rejection handler (`.then(ok, fail)`, `.catch(fail)`).
// Type-aware (the TypeScript checker), so it sees calls of async functions by their type.
// Usage: node scripts/lint/floating-promises.mjs [packageDir] (default: the current directory).
import { existsSync } from 'node:fs'
import { join, relative, resolve } from 'node:path'
import ts from 'typescript'

const dir = resolve(process.argv[2] ?? '.')
const src = join(dir, 'src')
if (!existsSync(src)) process.exit(0)
const configPath = join(dir, 'tsconfig.json')
const config = ts.getParsedCommandLineOfConfigFile(configPath, {}, { ...ts.sys, onUnRecoverableConfigFileDiagnostic: () => {} })
if (!config) throw new Error(`cannot read ${configPath}`)
const files = config.fileNames.filter((f) => resolve(f).startsWith(src + '/'))
const program = ts.createProgram(files, { ...config.options, noEmit: true })
const checker = program.getTypeChecker()

/** A thenable: has a callable `then`. */
function isThenable(node) {
  const type = checker.getTypeAtLocation(node)
  const parts = type.isUnion() ? type.types : [type]
  return parts.some((t) => {
    const then = t.getProperty('then')
    if (!then) return false
    const thenType = checker.getTypeOfSymbolAtLocation(then, node)
    return thenType.getCallSignatures().length > 0
  })
}

/** `.then(a, b)` and `.catch(f)` handle rejection; `.then(a)` and `.finally(f)` do not. */
function handlesRejection(expr) {
  if (!ts.isCallExpression(expr) || !ts.isPropertyAccessExpression(expr.expression)) return false
  const name = expr.expression.name.text
  if (name === 'catch') return expr.arguments.length >= 1
  if (name === 'then') return expr.arguments.length >= 2
  return false
}

function report(file, node, what) {
  const { line, character } = file.getLineAndCharacterOfPosition(node.getStart(file))
  problems.push(`${relative(process.cwd(), file.fileName)}:${line + 1}:${character + 1} ${what}: ${node.getText(file).slice(0, 80)}`)
}

/** An async function, or an arrow whose expression body is an unhandled thenable. */
function returnsPromise(fn) {
  if (fn.modifiers?.some((m) => m.kind === ts.SyntaxKind.AsyncKeyword)) return true
  return ts.isArrowFunction(fn) && !ts.isBlock(fn.body) && isThenable(fn.body) && !handlesRejection(fn.body)
}

/** The function's contextual type returns only void (a callback whose result is dropped). */
function expectsVoid(fn) {
  const ctx = checker.getContextualType(fn)
  if (!ctx) return false
  const sigs = ctx.getCallSignatures()
  return sigs.length > 0 && sigs.every((sig) => (checker.getReturnTypeOfSignature(sig).flags & ts.TypeFlags.Void) !== 0)
}

const problems = []
for (const file of program.getSourceFiles()) {
  if (!files.includes(file.fileName)) continue
  const visit = (node) => {
    let target = null
    if (ts.isExpressionStatement(node)) {
      const e = node.expression
      if (ts.isVoidExpression(e)) target = e.expression
      else if (!ts.isAwaitExpression(e) && !ts.isBinaryExpression(e)) target = e
    } else if (ts.isVoidExpression(node) && !ts.isExpressionStatement(node.parent)) {
      target = node.expression // e.g. `() => void this.run()`
    }
    if (target && isThenable(target) && !handlesRejection(target)) report(file, node, 'a promise is left unhandled')
    if ((ts.isArrowFunction(node) || ts.isFunctionExpression(node)) && returnsPromise(node) && expectsVoid(node)) {
      report(file, node, 'a function returning a promise is passed where the caller ignores its result')
    }
    ts.forEachChild(node, visit)
  }
  visit(file)
}
if (problems.length > 0) {
  console.error(problems.join('\n'))
  console.error(`\n${problems.length} unhandled promise(s): await them, return them, or add a rejection handler (.catch or .then(ok, fail)).`)
  process.exit(1)
}
console.log(`floating-promises: ${files.length} files checked, none unhandled`)

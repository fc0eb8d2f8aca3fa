import ts from 'typescript';

/**
 * The names a module exports (through re-exports too) that carry no doc comment, so an editor
 * would show a consumer nothing but the signature. Reads declaration files as shipped: the
 * comments must have survived the build, not only exist in the source.
 */
export function undocumentedExports(entry: string, options: ts.CompilerOptions): string[] {
  const program = ts.createProgram([entry], { ...options, noEmit: true });
  const checker = program.getTypeChecker();
  const source = program.getSourceFile(entry);
  const moduleSymbol = source && checker.getSymbolAtLocation(source);
  if (!moduleSymbol) throw new Error(`${entry} is not a module`);
  const exports = checker.getExportsOfModule(moduleSymbol);
  if (exports.length === 0) throw new Error(`${entry} exports nothing`);
  return exports
    .filter((exported) => !isDocumented(resolveAlias(checker, exported)))
    .map((exported) => exported.name)
    .sort();
}

function resolveAlias(checker: ts.TypeChecker, symbol: ts.Symbol): ts.Symbol {
  return symbol.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(symbol) : symbol;
}

/** A value and a type of one name (`ProtocolErrorCode`) count as documented if either is. */
function isDocumented(symbol: ts.Symbol): boolean {
  return (symbol.declarations ?? []).some((declaration) =>
    ts.getJSDocCommentsAndTags(declaration).some((doc) => ts.isJSDoc(doc) && hasText(doc)),
  );
}

function hasText(doc: ts.JSDoc): boolean {
  const comment =
    typeof doc.comment === 'string' ? doc.comment : ts.getTextOfJSDocComment(doc.comment);
  return (comment ?? '').trim().length > 0 || (doc.tags?.length ?? 0) > 0;
}

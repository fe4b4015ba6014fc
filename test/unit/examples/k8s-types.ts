// Kubernetes documents checked against kubernetes-models' generated types by the TypeScript checker.
//
// Unknown fields and values outside an enum are errors there, which the models' own validate() (types, required
// fields) lets through.
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

export interface Manifest {
  apiVersion: string;
  kind: string;
  [key: string]: unknown;
}

/** "batch/v1" + "Job" → "kubernetes-models/batch/v1/Job"; core "v1" + "PersistentVolumeClaim" → "kubernetes-models/v1/PersistentVolumeClaim". */
export function modelModule(m: Pick<Manifest, 'apiVersion' | 'kind'>): string {
  return `kubernetes-models/${m.apiVersion}/${m.kind}`;
}

/** One message per problem, naming the document (index and kind) and the line of the generated literal. */
export function typeCheckManifests(docs: Manifest[]): string[] {
  const here = dirname(fileURLToPath(import.meta.url));
  const files = new Map(
    docs.map((d, i) => [
      join(here, `__manifest-${i}-${d.kind}.ts`),
      `import type { I${d.kind} as Model } from '${modelModule(d)}';\nexport const doc: Model = ${JSON.stringify(d, null, 2)};\n`,
    ]),
  );
  const options: ts.CompilerOptions = {
    strict: true,
    noEmit: true,
    target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.ESNext,
    moduleResolution: ts.ModuleResolutionKind.Bundler,
    types: [],
    skipLibCheck: true,
  };
  const host = ts.createCompilerHost(options);
  const { fileExists, readFile, getSourceFile } = host;
  host.fileExists = (f) => files.has(f) || fileExists.call(host, f);
  host.readFile = (f) => files.get(f) ?? readFile.call(host, f);
  host.getSourceFile = (f, lang, ...rest) => (files.has(f) ? ts.createSourceFile(f, files.get(f)!, lang) : getSourceFile.call(host, f, lang, ...rest));
  const program = ts.createProgram([...files.keys()], options, host);
  return ts.getPreEmitDiagnostics(program).map((d) => {
    const where = d.file ? `${d.file.fileName.split('/').pop()}:${d.file.getLineAndCharacterOfPosition(d.start ?? 0).line + 1}` : 'program';
    return `${where}: ${ts.flattenDiagnosticMessageText(d.messageText, '\n')}`;
  });
}

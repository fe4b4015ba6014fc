// What a bundle holds and under which names: manifest.json first, then each distinct content once as blobs/<sha256>.
export const MANIFEST_NAME = 'manifest.json';

const BLOB_NAME = /^blobs\/([0-9a-f]{64})$/;

export function blobName(sha256: string): string {
  return `blobs/${sha256}`;
}

/** The SHA-256 a blob entry's name claims, or undefined when the name is not a blob's. */
export function blobSha(name: string): string | undefined {
  return BLOB_NAME.exec(name)?.[1];
}

/**
 * Why `name` is not a safe relative name inside a bundle, or undefined when it is: names are relative, normalised
 * ("a/b", never "./a", "a//b" or "a/"), without ".." components, NUL bytes or backslashes.
 */
export function nameProblem(name: string): string | undefined {
  if (name === '') return 'an empty name';
  if (name.includes('\0')) return 'a NUL byte in the name';
  if (name.includes('\\')) return 'a backslash in the name';
  if (name.startsWith('/')) return 'an absolute path';
  const parts = name.split('/');
  if (parts.includes('..')) return 'a ".." component';
  if (parts.some((p) => p === '' || p === '.')) return 'a name that is not normalised (an empty or "." component)';
  return undefined;
}

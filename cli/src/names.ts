// Naming rules shared by the checker and both emitters.

const KOTLIN_HARD_KEYWORDS = new Set([
  'as', 'break', 'class', 'continue', 'do', 'else', 'false', 'for', 'fun', 'if', 'in', 'interface', 'is', 'null',
  'object', 'package', 'return', 'super', 'this', 'throw', 'true', 'try', 'typealias', 'typeof', 'val', 'var',
  'when', 'while',
]);

/** Rust raw identifiers (`r#type`) are plain names on the Kotlin side. */
export function unraw(name: string): string {
  return name.startsWith('r#') ? name.slice(2) : name;
}

/** `fetch_user_v2` -> `fetchUserV2`; leading underscores are dropped. */
export function camelCase(rustName: string): string {
  const parts = unraw(rustName).split('_').filter((p) => p.length > 0);
  if (parts.length === 0) return rustName;
  return parts.map((p, i) => (i === 0 ? p.charAt(0).toLowerCase() + p.slice(1) : p.charAt(0).toUpperCase() + p.slice(1))).join('');
}

/** Kotlin property name of a field (unescaped); tuple fields are `value` (one) or `v0`, `v1`, ... */
export function kotlinPropertyName(field: string, style: 'unit' | 'tuple' | 'struct' | 'named', count: number): string {
  if (style === 'tuple') return count === 1 ? 'value' : `v${field}`;
  return camelCase(field);
}

/** `HighPriority` -> `HIGH_PRIORITY`, `HTTPError` -> `HTTP_ERROR`, `V2` -> `V2`. */
export function screamingSnake(rustName: string): string {
  return unraw(rustName)
    .replace(/([a-z0-9])([A-Z])/g, '$1_$2')
    .replace(/([A-Z]+)([A-Z][a-z])/g, '$1_$2')
    .toUpperCase();
}

/** A Kotlin identifier, backticked when it is a hard keyword. */
export function kotlinIdent(name: string): string {
  return KOTLIN_HARD_KEYWORDS.has(name) ? `\`${name}\`` : name;
}

/** The Kotlin identifier of a Rust fn, method or parameter name: camelCase, escaped if a keyword. */
export function kotlinName(rustName: string): string {
  return kotlinIdent(camelCase(rustName));
}

/** JNI's name mangling for `Java_<class>_<method>` symbols (JNI spec, "Resolving Native Method Names"). */
export function jniMangle(name: string): string {
  let out = '';
  for (const ch of name) {
    if (/[A-Za-z0-9]/.test(ch)) out += ch;
    else if (ch === '_') out += '_1';
    else if (ch === ';') out += '_2';
    else if (ch === '[') out += '_3';
    else if (ch === '.' || ch === '/') out += '_';
    else {
      for (let i = 0; i < ch.length; i++) out += '_0' + ch.charCodeAt(i).toString(16).padStart(4, '0');
    }
  }
  return out;
}

/** The exported C symbol of a static native method. */
export function jniSymbol(kotlinPackage: string, className: string, method: string): string {
  const pkg = kotlinPackage.split('.').map(jniMangle).join('_');
  return `Java_${pkg}_${jniMangle(className)}_${jniMangle(method)}`;
}

/** The generated Kotlin object that holds the `external fun`s. */
export const NATIVE_OBJECT = 'FerryNative';
export const CODECS_OBJECT = 'FerryCodecs';
/** The registration journal of a call's arguments (see `dev.ferry.RegistrationJournal`). */
export const JOURNAL = '__ferryJournal';
/** The public per-library object (`FerryLibrary.shutdown`), in the crate's package. */
export const LIBRARY_OBJECT = 'FerryLibrary';

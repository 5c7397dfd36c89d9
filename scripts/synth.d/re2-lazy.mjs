// Stands in for `@kubernetes-models/validate/runtime/re2` in synth's vendor bundle.
//
// A handful of prometheus-operator schemas (AlertmanagerConfig month/weekday ranges) build an
// RE2 pattern when their module loads, because their patterns use Go's `(?i)` that JavaScript
// RegExp lacks. re2-wasm compiles its WebAssembly on first use, which cost ~0.25 s of every synth
// although FlexTime never validates those kinds. This class has the one method ajv's generated
// validators call (`test`) and builds the real RE2 the first time a string is tested, so the
// validation is the same and only its cost moves to where it is needed.
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
let RE2;

export default class LazyRE2 {
  constructor(pattern, flags) {
    this.pattern = pattern;
    this.flags = flags;
  }

  test(text) {
    RE2 ??= require('re2-wasm').RE2;
    this.compiled ??= new RE2(this.pattern, this.flags);
    return this.compiled.test(text);
  }
}

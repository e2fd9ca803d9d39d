"""The JavaScript an isolate is given before any script runs: the runner each script is
wrapped in and the hardening of its global object (`javascript.py` says why each holds)."""

# What a run may not change is frozen: everything reachable from the global object (values,
# accessors, prototypes), and the generator, async and iterator prototypes besides.
SETUP = r"""
(function () {
  // mini-racer's timers are `var`s: they cannot be deleted, only emptied
  globalThis.setTimeout = globalThis.clearTimeout = undefined;
  for (const name of ["WebAssembly", "SharedArrayBuffer", "Atomics"]) delete globalThis[name];
  const seen = new Set();
  const harden = (value) => {
    if (value === null || (typeof value !== "object" && typeof value !== "function")) return;
    if (seen.has(value)) return;
    seen.add(value);
    Object.freeze(value);
    for (const key of Reflect.ownKeys(value)) {
      const found = Object.getOwnPropertyDescriptor(value, key);
      if (!found) continue;
      if ("value" in found) harden(found.value);
      if (found.get) harden(found.get);
      if (found.set) harden(found.set);
    }
    harden(Object.getPrototypeOf(value));
  };
  const names = Object.getOwnPropertyNames(globalThis);
  for (const name of names) {
    if (name !== "globalThis") harden(globalThis[name]);
  }
  for (const hidden of [
    function* () {}, async function () {}, async function* () {}, (function* () {})(),
    [][Symbol.iterator](), new Map()[Symbol.iterator](), new Set()[Symbol.iterator](),
    ""[Symbol.iterator](), /x/[Symbol.matchAll](""),
  ]) {
    harden(Object.getPrototypeOf(hidden));
  }
  for (const name of names) {
    const found = Object.getOwnPropertyDescriptor(globalThis, name);
    if (found && found.configurable) {
      Object.defineProperty(globalThis, name, "value" in found
        ? { value: found.value, writable: false, enumerable: found.enumerable, configurable: false }
        : { get: found.get, set: found.set, enumerable: found.enumerable, configurable: false });
    }
  }
  // `result = ...` (no declaration) sets this accessor's slot, not a new global: no global
  // to delete after each run, and the global object keeps its shape
  let slot;
  const read = Object.freeze(function () { return slot; });  // frozen: no run tags them
  const write = Object.freeze(function (value) { slot = value; });
  Object.defineProperty(globalThis, "result", {
    get: read, set: write, enumerable: false, configurable: false,
  });
  const base = new Set(Reflect.ownKeys(globalThis));
  let known = base.size + 1;  // and __naftiko_clean
  let spoiled = false;  // once a global could not be taken back, for good
  base.add("__naftiko_clean");
  Object.defineProperty(globalThis, "__naftiko_clean", {
    value: Object.freeze(function () {
      slot = undefined;
      const keys = Reflect.ownKeys(globalThis);
      if (keys.length === known) return spoiled;  // nothing added: the usual case
      for (const name of keys) {
        if (base.has(name)) continue;
        if (!delete globalThis[name]) spoiled = true;
      }
      known = Reflect.ownKeys(globalThis).length;
      return spoiled;
    }),
  });
})();
"""

# one script: its files as the body of a function of `context`, called by the script's entry
# with the context's JSON text as its receiver (`this`: a string as it is, the entry being
# strict; the body stays sloppy, as scripts are written). Called from Python, a run's text is
# a string value handed to V8 whole: no source compiled, nothing left to read for the next.
# What the entry answers is the JSON text of [tainted, result], or of [tainted] for no result;
# `tainted` says the isolate must retire.
RUNNER = """(function () {{
  const run = function (text) {{
    let out, tainted = false;
    try {{
      out = (function (context) {{
{body}
;return result;
      }}).call(globalThis, JSON.parse(text));
    }} finally {{
      tainted = __naftiko_clean();
    }}
    if (out === undefined || out === null) return JSON.stringify([tainted]);
    if (typeof out === "function" || typeof out === "symbol" || typeof out === "bigint") {{
      throw new TypeError("result cannot be serialised as JSON: it is a " + typeof out);
    }}
    return JSON.stringify([tainted, out]);
  }};
  Object.defineProperty(globalThis, "__naftiko_run_{n}", {{
    value: function () {{ "use strict"; return run(this); }},
  }});
}})();
"""
HEAD = 5  # lines of RUNNER before the body

"""Script steps: JavaScript in V8 (mini-racer), Python in a sandboxed worker process.

`load` reads, checks and compiles a step's files when the capability loads; `script` runs
one with its limits and counts it; `settings` holds what the control port shows and changes
(`/scripting`). `javascript` and `python` are the two engines; `sandbox` is the program the
Python worker runs.
"""

RESULT_LIMIT = 16 * 1024 * 1024  # bytes of a script's result as JSON, in either language

"""The `naftiko` command: parses arguments, calls the API, prints. Nothing more.

Results go to stdout; logs and errors go to stderr. Exit codes: 0 ok, 1 invalid or failed
(each error's `exit_code`), 2 usage. Errors are caught in one place, the group's `invoke`,
and every message is scrubbed of bound values there.
"""

from __future__ import annotations

from naftiko.cli import author, call, check, dev, migrate, run  # noqa: F401  (the commands)
from naftiko.cli.group import main, with_log_options

for _command in main.commands.values():
    with_log_options(_command)

__all__ = ["main"]

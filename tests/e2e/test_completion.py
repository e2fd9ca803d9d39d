"""Shell completion, as README tells users to enable it (click's `_NAFTIKO_COMPLETE`)."""

from __future__ import annotations

import pytest

from conftest import clean_env, naftiko_cli


@pytest.mark.parametrize("shell", ["bash", "zsh", "fish"])
def test_each_shell_gets_a_completion_script(shell: str) -> None:
    done = naftiko_cli(env=clean_env(_NAFTIKO_COMPLETE=f"{shell}_source"))
    assert done.returncode == 0, done.stderr
    assert "_NAFTIKO_COMPLETE" in done.stdout


def test_commands_and_options_complete() -> None:
    words = clean_env(_NAFTIKO_COMPLETE="bash_complete", COMP_WORDS="naftiko ins", COMP_CWORD="1")
    assert "plain,inspect" in naftiko_cli(env=words).stdout.splitlines()
    words.update(COMP_WORDS="naftiko run --mcp-s", COMP_CWORD="2")
    assert "plain,--mcp-stdio" in naftiko_cli(env=words).stdout.splitlines()

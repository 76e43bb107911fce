"""Shell completion: `completion bash|zsh|fish` prints a script for `kubectl-imagewatch`, and
`kubectl_complete-imagewatch` answers kubectl's own plugin completion (`kubectl imagewatch <TAB>`,
kubectl >= 1.26): kubectl runs it with the words typed after the plugin name, the last one possibly
empty, and reads one candidate per line (`value<TAB>help`) and a closing `:<cobra directive>`."""
from __future__ import annotations

import sys
from typing import Optional, Sequence

import click
from click.shell_completion import ShellComplete, get_completion_class

from kubectl_imagewatch.cli import COMPLETE_VAR, cli

PROG = "kubectl-imagewatch"

# cobra's ShellCompDirective values kubectl understands
DEFAULT, NO_SPACE, NO_FILE_COMP, FILTER_DIRS = 0, 2, 4, 16


@click.command("completion")
@click.argument("shell", type=click.Choice(["bash", "zsh", "fish"]))
def command(shell: str) -> None:
    """Print a shell completion script for kubectl-imagewatch.

    `kubectl imagewatch <TAB>` goes through kubectl, which asks the `kubectl_complete-imagewatch`
    command installed beside this one (kubectl 1.26+); this script completes `kubectl-imagewatch`.

    \b
    Examples:
      source <(kubectl imagewatch completion bash)       # ~/.bashrc
      kubectl imagewatch completion zsh > "${fpath[1]}/_kubectl-imagewatch"
      kubectl imagewatch completion fish > ~/.config/fish/completions/kubectl-imagewatch.fish
    """
    cls = get_completion_class(shell)
    assert cls is not None  # every Choice above has a class
    click.echo(cls(cli, {}, PROG, COMPLETE_VAR).source())


def candidates(words: Sequence[str]) -> list[str]:
    """kubectl's plugin protocol: the lines to print for the words after `kubectl imagewatch`."""
    args, incomplete = list(words[:-1]), (words[-1] if words else "")
    items = ShellComplete(cli, {}, PROG, COMPLETE_VAR).get_completions(args, incomplete)
    kinds = {i.type for i in items}
    if "dir" in kinds:
        return [f":{FILTER_DIRS}"]
    if "file" in kinds:
        return [f":{DEFAULT}"]
    return [i.value + (f"\t{i.help}" if i.help else "") for i in items] + [f":{NO_FILE_COMP}"]


def kubectl_complete(argv: Optional[Sequence[str]] = None) -> None:
    """The `kubectl_complete-imagewatch` entry point."""
    try:
        lines = candidates(sys.argv[1:] if argv is None else argv)
    except Exception:  # completion must never print a traceback into the user's prompt
        lines = [f":{DEFAULT}"]
    sys.stdout.write("".join(line + "\n" for line in lines))

"""image-automation-controller: setters, the update plan, commit messages, writes, git, the loop."""

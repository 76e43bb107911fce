"""kubectl-imagewatch: Flux image automation, checked and simulated before you push.

Importing this package is cheap on purpose: the pre-commit path starts here.
"""
__version__ = "0.1.0"

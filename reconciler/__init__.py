"""StagingPro: GitOps for BigCommerce stores.

The package is usable as a library; the ``stagingpro`` command is a thin layer over it
(:mod:`reconciler.cli`). Errors are documented in :mod:`reconciler.errors`.
"""

__version__ = "0.1.0"

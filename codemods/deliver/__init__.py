"""Delivery: the ways a run's :class:`~codemods.changeset.Changeset` leaves the tool, one module each.

- :mod:`.write`: rewrite the files in place, atomically, never over uncommitted work
- :mod:`.patch`: a unified diff `git apply` takes, to a file or stdout
- :mod:`.review`: interactive review, hunk by hunk, then write what was accepted
- :mod:`.commit`: a commit on a branch, leaving the user's checkout alone
- :mod:`.pr`: a pull request a bot opens and keeps (through :mod:`.forge`)
"""

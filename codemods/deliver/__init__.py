"""The ways out of a run: write, patch, review, commit, pull request; one module each, and one per forge."""

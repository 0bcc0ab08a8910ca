"""Hostile inputs: files, plans and numbers from outside, each refused cleanly."""

"""Delivering plans and results to people: pull-request comments and commit statuses."""

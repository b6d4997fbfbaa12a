"""Command-line options shared by several commands, turned into the analytics' own values."""

from __future__ import annotations

import argparse

from analytics.hr import HRExclusions


def hr_exclusions(args: argparse.Namespace) -> HRExclusions:
    """The ``--exclude-…`` flags of a command as one :class:`~analytics.hr.HRExclusions` (flags a command
    does not have count as not given). ``--include-doctors-in-training`` (the ``report`` command, which
    leaves doctors in training out by default) wins over the default."""
    if hasattr(args, "include_doctors_in_training"):
        doctors = not args.include_doctors_in_training
    else:
        doctors = bool(getattr(args, "exclude_doctors_in_training", False))
    return HRExclusions(staff_groups=tuple(getattr(args, "exclude_staff_group", None) or ()),
                        job_roles=tuple(getattr(args, "exclude_job_role", None) or ()),
                        assignment_categories=tuple(getattr(args, "exclude_assignment_category", None) or ()),
                        doctors_in_training=doctors)

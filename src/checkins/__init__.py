"""checkins: structured photo check-ins after micro-needling, measured, triaged and reviewed."""

__version__ = "0.1.0"

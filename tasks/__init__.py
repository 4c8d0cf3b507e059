"""The units of work, grouped by domain; flows call them, they call models."""

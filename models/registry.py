"""Imports every table module so `Base.metadata` describes the whole schema (for alembic)."""

from models import (  # noqa: F401
    activities,
    campaigns,
    client_keys,
    deals,
    employees,
    imports,
    leads,
    lines,
    lists,
    organisations,
    persons,
    reassignment,
    report_history,
    suppressions,
    surveys,
    useful_dates,
)
from models.base import Base

metadata = Base.metadata

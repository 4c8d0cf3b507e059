"""The sending window as one SQL function, for the claim and for the dispatcher: a campaign
whose open letters all wait outside their window is not due, so the dispatcher no longer starts
an empty send every few minutes until the window opens.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-06 08:20:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Whether it is now inside a campaign's window (ISO weekdays, hours [start, end)) in the time
# zone `tz`; a NULL part does not restrict. A one-expression SQL function, inlined by the
# planner.
IN_SENDING_WINDOW = """
CREATE FUNCTION in_sending_window(
    tz text, days smallint[], start_hour smallint, end_hour smallint
) RETURNS boolean
LANGUAGE sql STABLE PARALLEL SAFE
AS $$
    select (days is null or extract(isodow from now() at time zone tz) = any(days))
       and (
           start_hour is null
           or extract(hour from now() at time zone tz) >= start_hour
           and extract(hour from now() at time zone tz) < end_hour
       )
$$
"""


def upgrade() -> None:
    op.execute(IN_SENDING_WINDOW)


def downgrade() -> None:
    op.execute("DROP FUNCTION in_sending_window(text, smallint[], smallint, smallint)")

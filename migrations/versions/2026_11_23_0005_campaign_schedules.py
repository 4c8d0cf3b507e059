"""Campaign schedules: recurring issues, date-triggered greetings and what each greeting is for.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-23 18:13:39.988627
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

GREETING = postgresql.ENUM(
    "birthday",
    "family_date",
    "company_anniversary",
    "professional_holiday",
    name="greeting_trigger",
)
# Who a campaign's list stands for, shared by the e-mail and the paper ledgers: the persons
# listed by name, and for each listed organisation (or one a segment chose) its primary
# contact, else its latest current one. A set-returning SQL function, inlined by the planner.
LIST_AUDIENCE = """
CREATE FUNCTION list_audience(p_list_id bigint, p_segment_orgs bigint[])
RETURNS TABLE (person_id bigint, organisation_id bigint)
LANGUAGE sql STABLE PARALLEL SAFE
AS $$
    select lm.person_id, null::bigint
    from list_members as lm
    where lm.list_id = p_list_id and lm.person_id is not null
    union
    select c.person_id, o.organisation_id
    from (
        select lm.organisation_id
        from list_members as lm
        where lm.list_id = p_list_id and lm.person_id is null
        union
        select unnest(p_segment_orgs)
    ) as o
    cross join lateral (
        select e.person_id
        from employments as e
        where e.organisation_id = o.organisation_id and e.ended_date is null
        order by e.is_primary_contact desc, e.employment_id desc
        limit 1
    ) as c
$$
"""
CHECKS = {
    "greeting_iff_date_triggered": "(schedule_kind = 'date_triggered') = (greeting IS NOT NULL)",
    "holiday_for_holidays": "holiday_id IS NULL OR greeting = 'professional_holiday'",
}


def upgrade() -> None:
    op.execute(LIST_AUDIENCE)
    op.create_table(
        "campaign_issues",
        sa.Column("campaign_id", sa.BigInteger(), nullable=False),
        sa.Column("issue", sa.String(length=40), nullable=False),
        sa.Column("recipients", sa.Integer(), server_default="0", nullable=False),
        sa.Column(
            "issued_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False
        ),
        sa.ForeignKeyConstraint(
            ["campaign_id"],
            ["campaigns.campaign_id"],
            name=op.f("fk_campaign_issues_campaign_id_campaigns"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("campaign_id", "issue", name=op.f("pk_campaign_issues")),
    )
    op.add_column("campaign_sends", sa.Column("occasion", sa.String(length=300), nullable=True))
    GREETING.create(op.get_bind())
    op.add_column("campaigns", sa.Column("greeting", GREETING, nullable=True))
    op.add_column("campaigns", sa.Column("holiday_id", sa.BigInteger(), nullable=True))
    op.create_foreign_key(
        op.f("fk_campaigns_holiday_id_professional_holidays"),
        "campaigns",
        "professional_holidays",
        ["holiday_id"],
        ["holiday_id"],
        ondelete="RESTRICT",
    )
    for name, condition in CHECKS.items():
        op.create_check_constraint(op.f(f"ck_campaigns_{name}"), "campaigns", condition)


def downgrade() -> None:
    for name in CHECKS:
        op.drop_constraint(op.f(f"ck_campaigns_{name}"), "campaigns", type_="check")
    op.drop_constraint(
        op.f("fk_campaigns_holiday_id_professional_holidays"), "campaigns", type_="foreignkey"
    )
    op.drop_column("campaigns", "holiday_id")
    op.drop_column("campaigns", "greeting")
    GREETING.drop(op.get_bind())
    op.drop_column("campaign_sends", "occasion")
    op.drop_table("campaign_issues")
    op.execute("DROP FUNCTION list_audience(bigint, bigint[])")

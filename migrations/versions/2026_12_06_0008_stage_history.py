"""Stage history and once-per-period report letters: lead_stage_changes, filled by triggers on
leads and backfilled with each lead's current stage; report_deliveries, one row per report and
recipient, claimed before the letter goes.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-06 05:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# A change is dated now(), the transaction's time, like every other *_at default; a loader of
# past history (demo data, tests, an import from the previous CRM) dates it by setting
# crm.stage_changed_at for its transaction. A new lead enters its first stage when it was
# created, which an import may set in the past. A bulk loader that writes the leads' whole
# history itself (the demo data, the benchmark) sets crm.stage_history = 'copied' for its
# transaction, and the new leads' entries are left to it (no superuser, no table lock, unlike
# session_replication_role or ALTER TABLE ... DISABLE TRIGGER).
# Inserts are recorded per statement from the transition table: a COPY of a million leads is
# then one INSERT ... SELECT, not a million function calls. Updates are recorded per row, and
# only when stage_id changes (the WHEN clause: reassignments and closings that keep the stage
# never enter the function); a statement trigger with a transition table cannot be limited to
# a column, so it would copy every updated lead twice to find the few that changed stage.
TRIGGERS = """
CREATE FUNCTION record_lead_stage_entry() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF current_setting('crm.stage_history', true) = 'copied' THEN
    RETURN NULL;
  END IF;
  INSERT INTO lead_stage_changes (lead_id, line_id, from_stage_id, to_stage_id, changed_at)
  SELECT n.lead_id, n.line_id, NULL, n.stage_id, n.created_at FROM new_leads AS n;
  RETURN NULL;
END;
$$;
CREATE FUNCTION record_lead_stage_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO lead_stage_changes (lead_id, line_id, from_stage_id, to_stage_id, changed_at)
  VALUES (NEW.lead_id, NEW.line_id, OLD.stage_id, NEW.stage_id,
          coalesce(nullif(current_setting('crm.stage_changed_at', true), '')::timestamptz,
                   now()));
  RETURN NULL;
END;
$$;
CREATE TRIGGER leads_stage_entry
  AFTER INSERT ON leads REFERENCING NEW TABLE AS new_leads
  FOR EACH STATEMENT EXECUTE FUNCTION record_lead_stage_entry();
CREATE TRIGGER leads_stage_change
  AFTER UPDATE OF stage_id ON leads
  FOR EACH ROW WHEN (OLD.stage_id IS DISTINCT FROM NEW.stage_id)
  EXECUTE FUNCTION record_lead_stage_change();
CREATE TRIGGER lead_stage_changes_append_only
  BEFORE UPDATE ON lead_stage_changes
  FOR EACH ROW EXECUTE FUNCTION refuse_change();
"""


def upgrade() -> None:
    op.create_table(
        "lead_stage_changes",
        sa.Column(
            "lead_stage_change_id", sa.BigInteger(), sa.Identity(always=False), nullable=False
        ),
        sa.Column("lead_id", sa.BigInteger(), nullable=False),
        sa.Column("line_id", sa.BigInteger(), nullable=False),
        sa.Column("from_stage_id", sa.BigInteger(), nullable=True),
        sa.Column("to_stage_id", sa.BigInteger(), nullable=False),
        sa.Column(
            "changed_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.CheckConstraint(
            "from_stage_id IS DISTINCT FROM to_stage_id",
            name=op.f("ck_lead_stage_changes_stage_changes"),
        ),
        sa.ForeignKeyConstraint(
            ["lead_id"],
            ["leads.lead_id"],
            name=op.f("fk_lead_stage_changes_lead_id_leads"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["line_id"],
            ["business_lines.line_id"],
            name=op.f("fk_lead_stage_changes_line_id_business_lines"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["from_stage_id"],
            ["sales_stages.stage_id"],
            name=op.f("fk_lead_stage_changes_from_stage_id_sales_stages"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["to_stage_id"],
            ["sales_stages.stage_id"],
            name=op.f("fk_lead_stage_changes_to_stage_id_sales_stages"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("lead_stage_change_id", name=op.f("pk_lead_stage_changes")),
    )
    op.create_index(
        "ix_lead_stage_changes_lead_changed_at",
        "lead_stage_changes",
        ["lead_id", "changed_at", "lead_stage_change_id"],
        postgresql_include=["to_stage_id"],
    )
    op.create_index("ix_lead_stage_changes_changed_at", "lead_stage_changes", ["changed_at"])
    # The leads that exist: one entry each, into the stage they are in, when they were created
    # (the store does not know when they got there; the report treats it as the time in stage).
    op.execute(
        "INSERT INTO lead_stage_changes (lead_id, line_id, to_stage_id, changed_at)"
        " SELECT lead_id, line_id, stage_id, created_at FROM leads ORDER BY lead_id"
    )
    op.execute(TRIGGERS)

    op.create_table(
        "report_deliveries",
        sa.Column("report_delivery_id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("report_kind", sa.String(length=20), nullable=False),
        sa.Column("report_key", sa.String(length=200), nullable=False),
        sa.Column("email", sa.String(length=320), nullable=False),
        sa.Column(
            "claimed_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("report_delivery_id", name=op.f("pk_report_deliveries")),
        sa.UniqueConstraint(
            "report_kind",
            "report_key",
            "email",
            name=op.f("uq_report_deliveries_report_kind_report_key_email"),
        ),
    )


def downgrade() -> None:
    op.drop_table("report_deliveries")
    op.execute("DROP TRIGGER leads_stage_change ON leads")
    op.execute("DROP TRIGGER leads_stage_entry ON leads")
    op.drop_table("lead_stage_changes")
    op.execute("DROP FUNCTION record_lead_stage_change()")
    op.execute("DROP FUNCTION record_lead_stage_entry()")

"""Lead lists: match keys of the client base, import batches and their per-row decisions.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-23 16:00:50.325246
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


# The end of a name key's first word (its distinctive root, "granvik" of "granvik stroi"), so
# a typo in a name's first letters still finds it; a plain SQL function, inlined by the planner,
# so the expression index serves the block query.
NAME_TAIL = """
CREATE FUNCTION name_tail(key text) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE
RETURN right(
    CASE WHEN length(split_part(key, ' ', 1)) >= 5 THEN split_part(key, ' ', 1) ELSE key END, 5
)
"""


def upgrade() -> None:
    op.execute(NAME_TAIL)
    op.create_table(
        "client_keys",
        sa.Column("client_key_id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column(
            "kind",
            sa.Enum(
                "tax_id",
                "phone",
                "email",
                "domain",
                "org_name",
                "person_name",
                "person_birth",
                name="key_kind",
            ),
            nullable=False,
        ),
        sa.Column("key", sa.Text(), nullable=False),
        sa.Column("organisation_id", sa.BigInteger(), nullable=True),
        sa.Column("person_id", sa.BigInteger(), nullable=True),
        sa.CheckConstraint(
            "num_nonnulls(organisation_id, person_id) >= 1", name=op.f("ck_client_keys_has_client")
        ),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisations.organisation_id"],
            name=op.f("fk_client_keys_organisation_id_organisations"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["person_id"],
            ["persons.person_id"],
            name=op.f("fk_client_keys_person_id_persons"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("client_key_id", name=op.f("pk_client_keys")),
    )
    op.create_index("ix_client_keys_kind_key", "client_keys", ["kind", "key"], unique=False)
    op.create_index(
        "ix_client_keys_name_head",
        "client_keys",
        [sa.literal_column("left(key, 5)")],
        unique=False,
        postgresql_where=sa.text("kind = 'org_name'"),
        postgresql_include=["organisation_id", "key"],
    )
    op.create_index(
        "ix_client_keys_name_tail",
        "client_keys",
        [sa.literal_column("name_tail(key)")],
        unique=False,
        postgresql_where=sa.text("kind = 'org_name'"),
        postgresql_include=["organisation_id", "key"],
    )
    op.create_index(
        op.f("ix_client_keys_organisation_id"), "client_keys", ["organisation_id"], unique=False
    )
    op.create_index(op.f("ix_client_keys_person_id"), "client_keys", ["person_id"], unique=False)
    op.create_table(
        "import_batches",
        sa.Column("batch_id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column(
            "kind",
            sa.Enum("lead_file", "warm_source", "client_base", name="import_kind"),
            nullable=False,
        ),
        sa.Column("source_name", sa.String(length=300), nullable=False),
        sa.Column("source_sha256", sa.String(length=64), nullable=True),
        sa.Column(
            "criteria", postgresql.JSONB(none_as_null=True, astext_type=sa.Text()), nullable=True
        ),
        sa.Column("line_id", sa.BigInteger(), nullable=False),
        sa.Column("list_id", sa.BigInteger(), nullable=True),
        sa.Column("rep_id", sa.BigInteger(), nullable=True),
        sa.Column("distribution", sa.String(length=20), nullable=True),
        sa.Column("is_dry_run", sa.Boolean(), server_default=sa.text("false"), nullable=False),
        sa.Column("rows_total", sa.Integer(), server_default="0", nullable=False),
        sa.Column(
            "counts", postgresql.JSONB(astext_type=sa.Text()), server_default="{}", nullable=False
        ),
        sa.Column("decisions_path", sa.Text(), nullable=True),
        sa.Column("notified_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["line_id"],
            ["business_lines.line_id"],
            name=op.f("fk_import_batches_line_id_business_lines"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["list_id"],
            ["contact_lists.list_id"],
            name=op.f("fk_import_batches_list_id_contact_lists"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["rep_id"],
            ["employees.employee_id"],
            name=op.f("fk_import_batches_rep_id_employees"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("batch_id", name=op.f("pk_import_batches")),
    )
    op.create_index(
        "uq_import_batches_source",
        "import_batches",
        ["kind", "line_id", "source_sha256"],
        unique=True,
        postgresql_where=sa.text("NOT is_dry_run AND source_sha256 IS NOT NULL"),
    )
    op.create_table(
        "import_rows",
        sa.Column("batch_id", sa.BigInteger(), nullable=False),
        sa.Column("row_number", sa.Integer(), nullable=False),
        sa.Column("external_id", sa.String(length=100), nullable=True),
        sa.Column(
            "decision",
            sa.Enum(
                "new",
                "duplicate_in_file",
                "existing_client",
                "held_by_other_rep",
                "already_yours",
                "needs_review",
                "suppressed",
                "invalid",
                name="import_decision",
            ),
            nullable=False,
        ),
        sa.Column("score", sa.Double(), nullable=True),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("duplicate_of_row", sa.Integer(), nullable=True),
        sa.Column("organisation_id", sa.BigInteger(), nullable=True),
        sa.Column("person_id", sa.BigInteger(), nullable=True),
        sa.Column("lead_id", sa.BigInteger(), nullable=True),
        sa.Column("holder_id", sa.BigInteger(), nullable=True),
        sa.Column("holder_since", sa.DateTime(timezone=True), nullable=True),
        sa.Column("holder_stage", sa.String(length=100), nullable=True),
        sa.Column(
            "data", postgresql.JSONB(astext_type=sa.Text()), server_default="{}", nullable=False
        ),
        sa.ForeignKeyConstraint(
            ["batch_id"],
            ["import_batches.batch_id"],
            name=op.f("fk_import_rows_batch_id_import_batches"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["holder_id"],
            ["employees.employee_id"],
            name=op.f("fk_import_rows_holder_id_employees"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["lead_id"],
            ["leads.lead_id"],
            name=op.f("fk_import_rows_lead_id_leads"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisations.organisation_id"],
            name=op.f("fk_import_rows_organisation_id_organisations"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["person_id"],
            ["persons.person_id"],
            name=op.f("fk_import_rows_person_id_persons"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("batch_id", "row_number", name=op.f("pk_import_rows")),
    )
    op.create_index(
        "ix_import_rows_batch_decision", "import_rows", ["batch_id", "decision"], unique=False
    )


def downgrade() -> None:
    op.drop_index("ix_import_rows_batch_decision", table_name="import_rows")
    op.drop_table("import_rows")
    op.drop_index(
        "uq_import_batches_source",
        table_name="import_batches",
        postgresql_where=sa.text("NOT is_dry_run AND source_sha256 IS NOT NULL"),
    )
    op.drop_table("import_batches")
    op.drop_index(op.f("ix_client_keys_person_id"), table_name="client_keys")
    op.drop_index(op.f("ix_client_keys_organisation_id"), table_name="client_keys")
    op.drop_index(
        "ix_client_keys_name_tail",
        table_name="client_keys",
        postgresql_where=sa.text("kind = 'org_name'"),
    )
    op.drop_index(
        "ix_client_keys_name_head",
        table_name="client_keys",
        postgresql_where=sa.text("kind = 'org_name'"),
    )
    op.drop_index("ix_client_keys_kind_key", table_name="client_keys")
    op.drop_table("client_keys")
    op.execute("DROP FUNCTION name_tail(text)")
    for name in ("import_decision", "import_kind", "key_kind"):
        sa.Enum(name=name).drop(op.get_bind(), checkfirst=False)

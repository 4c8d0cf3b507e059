"""Initial schema: the client base, leads, activities, campaigns, surveys.

Revision ID: 0001
Revises:
Create Date: 2026-11-23 14:17:36.194829
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


# The database checks the INN check digits itself (10 digits for a company, 12 for a person),
# so a mistyped tax id is refused whichever program writes it.
INN_IS_VALID = """
CREATE FUNCTION inn_is_valid(inn text) RETURNS boolean
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  -- One CASE of digit arithmetic, neither STRICT nor set-returning, so PostgreSQL inlines it
  -- into CHECK constraints: a bulk COPY pays microseconds per row, not a function call.
  SELECT CASE
    WHEN inn IS NULL THEN NULL
    WHEN inn ~ '^[0-9]{10}$' THEN
      ((2 * substr(inn, 1, 1)::int + 4 * substr(inn, 2, 1)::int + 10 * substr(inn, 3, 1)::int
        + 3 * substr(inn, 4, 1)::int + 5 * substr(inn, 5, 1)::int + 9 * substr(inn, 6, 1)::int
        + 4 * substr(inn, 7, 1)::int + 6 * substr(inn, 8, 1)::int + 8 * substr(inn, 9, 1)::int)
        % 11) % 10 = substr(inn, 10, 1)::int
    WHEN inn ~ '^[0-9]{12}$' THEN
      ((7 * substr(inn, 1, 1)::int + 2 * substr(inn, 2, 1)::int + 4 * substr(inn, 3, 1)::int
        + 10 * substr(inn, 4, 1)::int + 3 * substr(inn, 5, 1)::int + 5 * substr(inn, 6, 1)::int
        + 9 * substr(inn, 7, 1)::int + 4 * substr(inn, 8, 1)::int + 6 * substr(inn, 9, 1)::int
        + 8 * substr(inn, 10, 1)::int) % 11) % 10 = substr(inn, 11, 1)::int
      AND ((3 * substr(inn, 1, 1)::int + 7 * substr(inn, 2, 1)::int + 2 * substr(inn, 3, 1)::int
        + 4 * substr(inn, 4, 1)::int + 10 * substr(inn, 5, 1)::int + 3 * substr(inn, 6, 1)::int
        + 5 * substr(inn, 7, 1)::int + 9 * substr(inn, 8, 1)::int + 4 * substr(inn, 9, 1)::int
        + 6 * substr(inn, 10, 1)::int + 8 * substr(inn, 11, 1)::int) % 11) % 10
        = substr(inn, 12, 1)::int
    ELSE false
  END
$$;
"""

# History must stay with the lead as it was written: corrections are new rows, never edits.
APPEND_ONLY = """
CREATE FUNCTION refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION '% is append-only', TG_TABLE_NAME USING ERRCODE = 'integrity_constraint_violation';
END;
$$;
CREATE TRIGGER ownership_changes_append_only
  BEFORE UPDATE OR DELETE ON ownership_changes
  FOR EACH ROW EXECUTE FUNCTION refuse_change();
"""

ENUM_TYPES = (
    "response_source",
    "ownership_reason",
    "send_status",
    "activity_status",
    "activity_kind",
    "lead_status",
    "relationship_stage",
    "schedule_kind",
    "campaign_status",
    "channel",
    "useful_date_kind",
    "suppression_reason",
    "employee_role",
    "list_kind",
    "gender",
)


def upgrade() -> None:
    op.execute(INN_IS_VALID)
    op.create_table(
        "business_lines",
        sa.Column("line_id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.CheckConstraint("btrim(name) <> ''", name=op.f("ck_business_lines_name_not_blank")),
        sa.PrimaryKeyConstraint("line_id", name=op.f("pk_business_lines")),
        sa.UniqueConstraint("name", name=op.f("uq_business_lines_name")),
    )
    op.create_table(
        "employees",
        sa.Column("employee_id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("full_name", sa.String(length=200), nullable=False),
        sa.Column("email", sa.String(length=320), nullable=False),
        sa.Column("phone", sa.String(length=32), nullable=True),
        sa.Column("is_active", sa.Boolean(), server_default=sa.text("true"), nullable=False),
        sa.Column("capacity", sa.Integer(), nullable=True),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint("btrim(full_name) <> ''", name=op.f("ck_employees_full_name_not_blank")),
        sa.CheckConstraint(
            r"email = lower(email) AND email ~ '^[^@\s]+@[^@\s]+$'",
            name=op.f("ck_employees_email_shape"),
        ),
        sa.CheckConstraint(
            "capacity IS NULL OR capacity >= 0", name=op.f("ck_employees_capacity_not_negative")
        ),
        sa.PrimaryKeyConstraint("employee_id", name=op.f("pk_employees")),
        sa.UniqueConstraint("email", name=op.f("uq_employees_email")),
    )
    op.create_table(
        "message_templates",
        sa.Column("template_id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("subject", sa.Text(), nullable=False),
        sa.Column("body_html", sa.Text(), nullable=False),
        sa.Column("body_text", sa.Text(), nullable=False),
        sa.Column("is_builtin", sa.Boolean(), server_default=sa.text("false"), nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.PrimaryKeyConstraint("template_id", name=op.f("pk_message_templates")),
        sa.UniqueConstraint("name", name=op.f("uq_message_templates_name")),
    )
    op.create_table(
        "organisations",
        sa.Column("organisation_id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("name", sa.String(length=300), nullable=False),
        sa.Column("legal_form", sa.String(length=40), nullable=True),
        sa.Column("tax_id", sa.String(length=12), nullable=True),
        sa.Column("industry", sa.String(length=100), nullable=True),
        sa.Column("region", sa.String(length=100), nullable=True),
        sa.Column("city", sa.String(length=100), nullable=True),
        sa.Column("address", sa.Text(), nullable=True),
        sa.Column("postcode", sa.String(length=12), nullable=True),
        sa.Column("website", sa.String(length=300), nullable=True),
        sa.Column("phones", postgresql.ARRAY(sa.Text()), server_default="{}", nullable=False),
        sa.Column("emails", postgresql.ARRAY(sa.Text()), server_default="{}", nullable=False),
        sa.Column("employee_count", sa.Integer(), nullable=True),
        sa.Column("founded_date", sa.Date(), nullable=True),
        sa.Column(
            "custom_attributes",
            postgresql.JSONB(astext_type=sa.Text()),
            server_default="{}",
            nullable=False,
        ),
        sa.Column("external_id", sa.String(length=100), nullable=True),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint("btrim(name) <> ''", name=op.f("ck_organisations_name_not_blank")),
        sa.CheckConstraint(
            "jsonb_typeof(custom_attributes) = 'object'",
            name=op.f("ck_organisations_custom_attributes_object"),
        ),
        sa.CheckConstraint(
            "emails::text = lower(emails::text)", name=op.f("ck_organisations_emails_lower_case")
        ),
        sa.CheckConstraint(
            "employee_count IS NULL OR employee_count >= 0",
            name=op.f("ck_organisations_employee_count_not_negative"),
        ),
        sa.CheckConstraint(
            "tax_id IS NULL OR inn_is_valid(tax_id)", name=op.f("ck_organisations_tax_id_valid")
        ),
        sa.PrimaryKeyConstraint("organisation_id", name=op.f("pk_organisations")),
    )
    op.create_index(
        "ix_organisations_custom_attributes",
        "organisations",
        ["custom_attributes"],
        unique=False,
        postgresql_using="gin",
        postgresql_ops={"custom_attributes": "jsonb_path_ops"},
    )
    op.create_index(
        "ix_organisations_emails", "organisations", ["emails"], unique=False, postgresql_using="gin"
    )
    op.create_index(op.f("ix_organisations_industry"), "organisations", ["industry"], unique=False)
    op.create_index(
        "ix_organisations_phones", "organisations", ["phones"], unique=False, postgresql_using="gin"
    )
    op.create_index(op.f("ix_organisations_region"), "organisations", ["region"], unique=False)
    op.create_index(op.f("ix_organisations_tax_id"), "organisations", ["tax_id"], unique=False)
    op.create_table(
        "persons",
        sa.Column("person_id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("first_name", sa.String(length=100), nullable=True),
        sa.Column("middle_name", sa.String(length=100), nullable=True),
        sa.Column("last_name", sa.String(length=100), nullable=True),
        sa.Column("gender", sa.Enum("male", "female", name="gender"), nullable=True),
        sa.Column("birth_date", sa.Date(), nullable=True),
        sa.Column("phones", postgresql.ARRAY(sa.Text()), server_default="{}", nullable=False),
        sa.Column("emails", postgresql.ARRAY(sa.Text()), server_default="{}", nullable=False),
        sa.Column("tax_id", sa.String(length=12), nullable=True),
        sa.Column("city", sa.String(length=100), nullable=True),
        sa.Column("address", sa.Text(), nullable=True),
        sa.Column("postcode", sa.String(length=12), nullable=True),
        sa.Column("locale", sa.String(length=5), server_default="ru", nullable=False),
        sa.Column("time_zone", sa.String(length=64), nullable=True),
        sa.Column("external_id", sa.String(length=100), nullable=True),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.CheckConstraint(
            "coalesce(btrim(first_name), '') <> '' OR coalesce(btrim(last_name), '') <> ''",
            name=op.f("ck_persons_has_name"),
        ),
        sa.CheckConstraint(
            "emails::text = lower(emails::text)", name=op.f("ck_persons_emails_lower_case")
        ),
        sa.CheckConstraint(
            "tax_id IS NULL OR inn_is_valid(tax_id)", name=op.f("ck_persons_tax_id_valid")
        ),
        sa.CheckConstraint(
            "tax_id IS NULL OR length(tax_id) = 12", name=op.f("ck_persons_tax_id_personal")
        ),
        sa.PrimaryKeyConstraint("person_id", name=op.f("pk_persons")),
    )
    op.create_index(
        "ix_persons_birth_month_day",
        "persons",
        [
            sa.literal_column("extract(month from birth_date)"),
            sa.literal_column("extract(day from birth_date)"),
        ],
        unique=False,
    )
    op.create_index(
        "ix_persons_emails", "persons", ["emails"], unique=False, postgresql_using="gin"
    )
    op.create_index(
        "ix_persons_phones", "persons", ["phones"], unique=False, postgresql_using="gin"
    )
    op.create_table(
        "professional_holidays",
        sa.Column("holiday_id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("industry", sa.String(length=100), nullable=True),
        sa.Column("month", sa.SmallInteger(), nullable=False),
        sa.Column("day", sa.SmallInteger(), nullable=True),
        sa.Column("weekday", sa.SmallInteger(), nullable=True),
        sa.Column("week_of_month", sa.SmallInteger(), nullable=True),
        sa.CheckConstraint(
            "(day IS NOT NULL AND weekday IS NULL AND week_of_month IS NULL) OR (day IS NULL AND weekday BETWEEN 1 AND 7 AND week_of_month IN (-1, 1, 2, 3, 4, 5))",
            name=op.f("ck_professional_holidays_fixed_or_weekday_rule"),
        ),
        sa.CheckConstraint(
            "day IS NULL OR (day BETWEEN 1 AND CASE WHEN month = 2 THEN 29 WHEN month IN (4, 6, 9, 11) THEN 30 ELSE 31 END)",
            name=op.f("ck_professional_holidays_day_range"),
        ),
        sa.CheckConstraint(
            "month BETWEEN 1 AND 12", name=op.f("ck_professional_holidays_month_range")
        ),
        sa.PrimaryKeyConstraint("holiday_id", name=op.f("pk_professional_holidays")),
        sa.UniqueConstraint("name", name=op.f("uq_professional_holidays_name")),
    )
    op.create_table(
        "contact_lists",
        sa.Column("list_id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column(
            "kind", sa.Enum("static", "segment", "lead_list", name="list_kind"), nullable=False
        ),
        sa.Column("line_id", sa.BigInteger(), nullable=True),
        sa.Column("owner_id", sa.BigInteger(), nullable=True),
        sa.Column("criteria", postgresql.JSONB(astext_type=sa.Text()), nullable=True),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.CheckConstraint(
            "(kind = 'segment') = (criteria IS NOT NULL)",
            name=op.f("ck_contact_lists_segment_criteria"),
        ),
        sa.ForeignKeyConstraint(
            ["line_id"],
            ["business_lines.line_id"],
            name=op.f("fk_contact_lists_line_id_business_lines"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["owner_id"],
            ["employees.employee_id"],
            name=op.f("fk_contact_lists_owner_id_employees"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("list_id", name=op.f("pk_contact_lists")),
        sa.UniqueConstraint("name", name=op.f("uq_contact_lists_name")),
    )
    op.create_table(
        "employee_lines",
        sa.Column("employee_id", sa.BigInteger(), nullable=False),
        sa.Column("line_id", sa.BigInteger(), nullable=False),
        sa.Column(
            "role",
            sa.Enum(
                "rep", "head_of_sales", "marketer", "manager", "director", name="employee_role"
            ),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["employee_id"],
            ["employees.employee_id"],
            name=op.f("fk_employee_lines_employee_id_employees"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["line_id"],
            ["business_lines.line_id"],
            name=op.f("fk_employee_lines_line_id_business_lines"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("employee_id", "line_id", "role", name=op.f("pk_employee_lines")),
    )
    op.create_index(op.f("ix_employee_lines_line_id"), "employee_lines", ["line_id"], unique=False)
    op.create_table(
        "employments",
        sa.Column("employment_id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("person_id", sa.BigInteger(), nullable=False),
        sa.Column("organisation_id", sa.BigInteger(), nullable=False),
        sa.Column("position", sa.String(length=200), nullable=True),
        sa.Column("work_phone", sa.String(length=32), nullable=True),
        sa.Column("work_email", sa.String(length=320), nullable=True),
        sa.Column(
            "is_primary_contact", sa.Boolean(), server_default=sa.text("false"), nullable=False
        ),
        sa.Column(
            "is_decision_maker", sa.Boolean(), server_default=sa.text("false"), nullable=False
        ),
        sa.Column("started_date", sa.Date(), nullable=True),
        sa.Column("ended_date", sa.Date(), nullable=True),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.CheckConstraint(
            "ended_date IS NULL OR started_date IS NULL OR ended_date >= started_date",
            name=op.f("ck_employments_ends_after_start"),
        ),
        sa.CheckConstraint(
            "work_email = lower(work_email)", name=op.f("ck_employments_work_email_lower_case")
        ),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisations.organisation_id"],
            name=op.f("fk_employments_organisation_id_organisations"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["person_id"],
            ["persons.person_id"],
            name=op.f("fk_employments_person_id_persons"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("employment_id", name=op.f("pk_employments")),
        sa.UniqueConstraint(
            "person_id", "organisation_id", name=op.f("uq_employments_person_id_organisation_id")
        ),
    )
    op.create_index(
        op.f("ix_employments_organisation_id"), "employments", ["organisation_id"], unique=False
    )
    op.create_index("ix_employments_work_email", "employments", ["work_email"], unique=False)
    op.create_table(
        "leave_periods",
        sa.Column("leave_period_id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("employee_id", sa.BigInteger(), nullable=False),
        sa.Column("starts_on", sa.Date(), nullable=False),
        sa.Column("ends_on", sa.Date(), nullable=False),
        sa.CheckConstraint("ends_on >= starts_on", name=op.f("ck_leave_periods_ends_after_start")),
        sa.ForeignKeyConstraint(
            ["employee_id"],
            ["employees.employee_id"],
            name=op.f("fk_leave_periods_employee_id_employees"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("leave_period_id", name=op.f("pk_leave_periods")),
        sa.UniqueConstraint(
            "employee_id", "starts_on", name=op.f("uq_leave_periods_employee_id_starts_on")
        ),
    )
    op.create_index(
        op.f("ix_leave_periods_employee_id"), "leave_periods", ["employee_id"], unique=False
    )
    op.create_table(
        "sales_stages",
        sa.Column("stage_id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("line_id", sa.BigInteger(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("position", sa.SmallInteger(), nullable=False),
        sa.Column("is_won", sa.Boolean(), server_default=sa.text("false"), nullable=False),
        sa.Column("is_lost", sa.Boolean(), server_default=sa.text("false"), nullable=False),
        sa.Column("is_protected", sa.Boolean(), server_default=sa.text("false"), nullable=False),
        sa.CheckConstraint("btrim(name) <> ''", name=op.f("ck_sales_stages_name_not_blank")),
        sa.CheckConstraint("NOT (is_won AND is_lost)", name=op.f("ck_sales_stages_won_or_lost")),
        sa.CheckConstraint("position >= 0", name=op.f("ck_sales_stages_position_not_negative")),
        sa.ForeignKeyConstraint(
            ["line_id"],
            ["business_lines.line_id"],
            name=op.f("fk_sales_stages_line_id_business_lines"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("stage_id", name=op.f("pk_sales_stages")),
        sa.UniqueConstraint("line_id", "name", name=op.f("uq_sales_stages_line_id_name")),
        sa.UniqueConstraint("line_id", "position", name=op.f("uq_sales_stages_line_id_position")),
        sa.UniqueConstraint("stage_id", "line_id", name=op.f("uq_sales_stages_stage_id_line_id")),
    )
    op.create_table(
        "suppressions",
        sa.Column("suppression_id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("email", sa.String(length=320), nullable=True),
        sa.Column("person_id", sa.BigInteger(), nullable=True),
        sa.Column("organisation_id", sa.BigInteger(), nullable=True),
        sa.Column(
            "reason",
            sa.Enum(
                "unsubscribed", "bounced", "do_not_contact", "complained", name="suppression_reason"
            ),
            nullable=False,
        ),
        sa.Column("source", sa.String(length=200), nullable=True),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.CheckConstraint("email = lower(email)", name=op.f("ck_suppressions_email_lower_case")),
        sa.CheckConstraint(
            "num_nonnulls(email, person_id, organisation_id) >= 1",
            name=op.f("ck_suppressions_has_target"),
        ),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisations.organisation_id"],
            name=op.f("fk_suppressions_organisation_id_organisations"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["person_id"],
            ["persons.person_id"],
            name=op.f("fk_suppressions_person_id_persons"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("suppression_id", name=op.f("pk_suppressions")),
        sa.UniqueConstraint("email", name=op.f("uq_suppressions_email")),
    )
    op.create_index(
        op.f("ix_suppressions_organisation_id"), "suppressions", ["organisation_id"], unique=False
    )
    op.create_index(op.f("ix_suppressions_person_id"), "suppressions", ["person_id"], unique=False)
    op.create_table(
        "survey_waves",
        sa.Column("survey_wave_id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("line_id", sa.BigInteger(), nullable=True),
        sa.Column("opens_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("closes_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.CheckConstraint(
            "closes_at > opens_at", name=op.f("ck_survey_waves_closes_after_opening")
        ),
        sa.ForeignKeyConstraint(
            ["line_id"],
            ["business_lines.line_id"],
            name=op.f("fk_survey_waves_line_id_business_lines"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("survey_wave_id", name=op.f("pk_survey_waves")),
        sa.UniqueConstraint("name", name=op.f("uq_survey_waves_name")),
    )
    op.create_table(
        "useful_dates",
        sa.Column("useful_date_id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column(
            "kind",
            sa.Enum(
                "family_date",
                "company_anniversary",
                "professional_holiday",
                "other",
                name="useful_date_kind",
            ),
            nullable=False,
        ),
        sa.Column("person_id", sa.BigInteger(), nullable=True),
        sa.Column("organisation_id", sa.BigInteger(), nullable=True),
        sa.Column("holiday_id", sa.BigInteger(), nullable=True),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("month", sa.SmallInteger(), nullable=False),
        sa.Column("day", sa.SmallInteger(), nullable=False),
        sa.Column("year", sa.SmallInteger(), nullable=True),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.CheckConstraint(
            "day BETWEEN 1 AND CASE WHEN month = 2 THEN 29 WHEN month IN (4, 6, 9, 11) THEN 30 ELSE 31 END",
            name=op.f("ck_useful_dates_day_range"),
        ),
        sa.CheckConstraint("month BETWEEN 1 AND 12", name=op.f("ck_useful_dates_month_range")),
        sa.CheckConstraint(
            "num_nonnulls(person_id, organisation_id) = 1", name=op.f("ck_useful_dates_one_owner")
        ),
        sa.ForeignKeyConstraint(
            ["holiday_id"],
            ["professional_holidays.holiday_id"],
            name=op.f("fk_useful_dates_holiday_id_professional_holidays"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisations.organisation_id"],
            name=op.f("fk_useful_dates_organisation_id_organisations"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["person_id"],
            ["persons.person_id"],
            name=op.f("fk_useful_dates_person_id_persons"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("useful_date_id", name=op.f("pk_useful_dates")),
    )
    op.create_index("ix_useful_dates_month_day", "useful_dates", ["month", "day"], unique=False)
    op.create_index(
        op.f("ix_useful_dates_organisation_id"), "useful_dates", ["organisation_id"], unique=False
    )
    op.create_index(op.f("ix_useful_dates_person_id"), "useful_dates", ["person_id"], unique=False)
    op.create_table(
        "campaigns",
        sa.Column("campaign_id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("line_id", sa.BigInteger(), nullable=True),
        sa.Column("template_id", sa.BigInteger(), nullable=False),
        sa.Column("list_id", sa.BigInteger(), nullable=True),
        sa.Column(
            "channel",
            sa.Enum("email", "paper", name="channel"),
            server_default="email",
            nullable=False,
        ),
        sa.Column(
            "status",
            sa.Enum(
                "draft",
                "scheduled",
                "running",
                "paused",
                "finished",
                "cancelled",
                name="campaign_status",
            ),
            server_default="draft",
            nullable=False,
        ),
        sa.Column(
            "schedule_kind",
            sa.Enum("one_off", "recurring", "date_triggered", name="schedule_kind"),
            nullable=True,
        ),
        sa.Column("send_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("recurrence", sa.String(length=200), nullable=True),
        sa.Column(
            "time_zone", sa.String(length=64), server_default="Europe/Moscow", nullable=False
        ),
        sa.Column("status_reason", sa.Text(), nullable=True),
        sa.Column("created_by_id", sa.BigInteger(), nullable=True),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "schedule_kind IS DISTINCT FROM 'one_off' OR send_at IS NOT NULL",
            name=op.f("ck_campaigns_one_off_has_send_at"),
        ),
        sa.CheckConstraint(
            "schedule_kind IS DISTINCT FROM 'recurring' OR recurrence IS NOT NULL",
            name=op.f("ck_campaigns_recurring_has_recurrence"),
        ),
        sa.ForeignKeyConstraint(
            ["created_by_id"],
            ["employees.employee_id"],
            name=op.f("fk_campaigns_created_by_id_employees"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["line_id"],
            ["business_lines.line_id"],
            name=op.f("fk_campaigns_line_id_business_lines"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["list_id"],
            ["contact_lists.list_id"],
            name=op.f("fk_campaigns_list_id_contact_lists"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["template_id"],
            ["message_templates.template_id"],
            name=op.f("fk_campaigns_template_id_message_templates"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("campaign_id", name=op.f("pk_campaigns")),
        sa.UniqueConstraint("name", name=op.f("uq_campaigns_name")),
    )
    op.create_index(
        "ix_campaigns_due",
        "campaigns",
        ["send_at"],
        unique=False,
        postgresql_where=sa.text("status IN ('scheduled', 'running')"),
    )
    op.create_table(
        "leads",
        sa.Column("lead_id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("organisation_id", sa.BigInteger(), nullable=True),
        sa.Column("person_id", sa.BigInteger(), nullable=True),
        sa.Column("line_id", sa.BigInteger(), nullable=False),
        sa.Column("owner_id", sa.BigInteger(), nullable=True),
        sa.Column(
            "owned_since",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column("stage_id", sa.Integer(), nullable=False),
        sa.Column(
            "relationship_stage",
            sa.Enum(
                "awareness",
                "exploration",
                "expansion",
                "commitment",
                "dissolution",
                name="relationship_stage",
            ),
            server_default="awareness",
            nullable=False,
        ),
        sa.Column(
            "status",
            sa.Enum("open", "won", "lost", name="lead_status"),
            server_default="open",
            nullable=False,
        ),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("source", sa.String(length=300), nullable=True),
        sa.Column("source_list_id", sa.BigInteger(), nullable=True),
        sa.Column("source_row", sa.Integer(), nullable=True),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.CheckConstraint(
            "(status = 'open') = (closed_at IS NULL)", name=op.f("ck_leads_closed_when_not_open")
        ),
        sa.CheckConstraint(
            "num_nonnulls(organisation_id, person_id) = 1", name=op.f("ck_leads_one_client")
        ),
        sa.ForeignKeyConstraint(
            ["line_id"],
            ["business_lines.line_id"],
            name=op.f("fk_leads_line_id_business_lines"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisations.organisation_id"],
            name=op.f("fk_leads_organisation_id_organisations"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["owner_id"],
            ["employees.employee_id"],
            name=op.f("fk_leads_owner_id_employees"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["person_id"],
            ["persons.person_id"],
            name=op.f("fk_leads_person_id_persons"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["source_list_id"],
            ["contact_lists.list_id"],
            name=op.f("fk_leads_source_list_id_contact_lists"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["stage_id", "line_id"],
            ["sales_stages.stage_id", "sales_stages.line_id"],
            name="fk_leads_stage_of_line",
        ),
        sa.PrimaryKeyConstraint("lead_id", name=op.f("pk_leads")),
    )
    op.create_index(
        "ix_leads_open_line_owned_since",
        "leads",
        ["line_id", "owned_since"],
        unique=False,
        postgresql_where=sa.text("status = 'open'"),
    )
    op.create_index(
        "ix_leads_open_owner",
        "leads",
        ["owner_id"],
        unique=False,
        postgresql_where=sa.text("status = 'open'"),
    )
    op.create_index(op.f("ix_leads_organisation_id"), "leads", ["organisation_id"], unique=False)
    op.create_index(op.f("ix_leads_person_id"), "leads", ["person_id"], unique=False)
    op.create_index("ix_leads_stage", "leads", ["stage_id"], unique=False)
    op.create_index(
        "uq_leads_open_organisation_line",
        "leads",
        ["organisation_id", "line_id"],
        unique=True,
        postgresql_where=sa.text("status = 'open' AND organisation_id IS NOT NULL"),
    )
    op.create_index(
        "uq_leads_open_person_line",
        "leads",
        ["person_id", "line_id"],
        unique=True,
        postgresql_where=sa.text("status = 'open' AND person_id IS NOT NULL"),
    )
    op.create_table(
        "list_members",
        sa.Column("list_member_id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("list_id", sa.BigInteger(), nullable=False),
        sa.Column("person_id", sa.BigInteger(), nullable=True),
        sa.Column("organisation_id", sa.BigInteger(), nullable=True),
        sa.Column(
            "added_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False
        ),
        sa.CheckConstraint(
            "num_nonnulls(person_id, organisation_id) >= 1", name=op.f("ck_list_members_has_member")
        ),
        sa.ForeignKeyConstraint(
            ["list_id"],
            ["contact_lists.list_id"],
            name=op.f("fk_list_members_list_id_contact_lists"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisations.organisation_id"],
            name=op.f("fk_list_members_organisation_id_organisations"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["person_id"],
            ["persons.person_id"],
            name=op.f("fk_list_members_person_id_persons"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("list_member_id", name=op.f("pk_list_members")),
        sa.UniqueConstraint(
            "list_id",
            "person_id",
            "organisation_id",
            name=op.f("uq_list_members_list_id_person_id_organisation_id"),
            postgresql_nulls_not_distinct=True,
        ),
    )
    op.create_index(
        op.f("ix_list_members_organisation_id"), "list_members", ["organisation_id"], unique=False
    )
    op.create_index(op.f("ix_list_members_person_id"), "list_members", ["person_id"], unique=False)
    op.create_table(
        "activities",
        sa.Column("activity_id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("lead_id", sa.BigInteger(), nullable=False),
        sa.Column("employee_id", sa.BigInteger(), nullable=False),
        sa.Column(
            "kind",
            sa.Enum("call", "email", "meeting", "note", name="activity_kind"),
            nullable=False,
        ),
        sa.Column(
            "status",
            sa.Enum("planned", "done", "cancelled", "no_show", name="activity_status"),
            server_default="done",
            nullable=False,
        ),
        sa.Column("planned_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("held_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("outcome", sa.Text(), nullable=True),
        sa.Column("next_contact_date", sa.Date(), nullable=True),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.CheckConstraint(
            "status <> 'done' OR held_at IS NOT NULL", name=op.f("ck_activities_done_has_held_at")
        ),
        sa.CheckConstraint(
            "planned_at IS NOT NULL OR held_at IS NOT NULL", name=op.f("ck_activities_has_a_time")
        ),
        sa.ForeignKeyConstraint(
            ["employee_id"],
            ["employees.employee_id"],
            name=op.f("fk_activities_employee_id_employees"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["lead_id"],
            ["leads.lead_id"],
            name=op.f("fk_activities_lead_id_leads"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("activity_id", name=op.f("pk_activities")),
    )
    op.create_index(
        "ix_activities_employee_planned_at",
        "activities",
        ["employee_id", "planned_at"],
        unique=False,
    )
    op.create_index(
        "ix_activities_lead_held_at", "activities", ["lead_id", "held_at"], unique=False
    )
    op.create_table(
        "campaign_sends",
        sa.Column("campaign_send_id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("campaign_id", sa.BigInteger(), nullable=False),
        sa.Column("occurrence", sa.String(length=40), server_default="", nullable=False),
        sa.Column("person_id", sa.BigInteger(), nullable=False),
        sa.Column("email", sa.String(length=320), nullable=True),
        sa.Column(
            "status",
            sa.Enum(
                "pending", "sending", "sent", "failed", "unknown", "skipped", name="send_status"
            ),
            server_default="pending",
            nullable=False,
        ),
        sa.Column("attempts", sa.SmallInteger(), server_default="0", nullable=False),
        sa.Column("smtp_code", sa.SmallInteger(), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("message_id", sa.String(length=300), nullable=True),
        sa.Column("unsubscribe_token", sa.String(length=64), nullable=True),
        sa.Column("claimed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.CheckConstraint(
            "status <> 'sent' OR sent_at IS NOT NULL",
            name=op.f("ck_campaign_sends_sent_has_sent_at"),
        ),
        sa.CheckConstraint("attempts >= 0", name=op.f("ck_campaign_sends_attempts_not_negative")),
        sa.CheckConstraint("email = lower(email)", name=op.f("ck_campaign_sends_email_lower_case")),
        sa.ForeignKeyConstraint(
            ["campaign_id"],
            ["campaigns.campaign_id"],
            name=op.f("fk_campaign_sends_campaign_id_campaigns"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["person_id"],
            ["persons.person_id"],
            name=op.f("fk_campaign_sends_person_id_persons"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("campaign_send_id", name=op.f("pk_campaign_sends")),
        sa.UniqueConstraint(
            "campaign_id",
            "occurrence",
            "person_id",
            name=op.f("uq_campaign_sends_campaign_id_occurrence_person_id"),
        ),
        sa.UniqueConstraint("unsubscribe_token", name=op.f("uq_campaign_sends_unsubscribe_token")),
    )
    op.create_index(
        "ix_campaign_sends_open",
        "campaign_sends",
        ["campaign_id"],
        unique=False,
        postgresql_where=sa.text("status IN ('pending', 'sending')"),
    )
    op.create_index(
        op.f("ix_campaign_sends_person_id"), "campaign_sends", ["person_id"], unique=False
    )
    op.create_index(
        "uq_campaign_sends_email",
        "campaign_sends",
        ["campaign_id", "occurrence", "email"],
        unique=True,
        postgresql_where=sa.text("email IS NOT NULL"),
    )
    op.create_table(
        "deals",
        sa.Column("deal_id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("lead_id", sa.BigInteger(), nullable=False),
        sa.Column("title", sa.String(length=300), nullable=True),
        sa.Column("amount", sa.Numeric(precision=14, scale=2), nullable=False),
        sa.Column("currency", sa.String(length=3), server_default="RUB", nullable=False),
        sa.Column("stage_id", sa.BigInteger(), nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column("won_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("lost_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint("currency ~ '^[A-Z]{3}$'", name=op.f("ck_deals_currency_code")),
        sa.CheckConstraint("amount >= 0", name=op.f("ck_deals_amount_not_negative")),
        sa.CheckConstraint("won_at IS NULL OR lost_at IS NULL", name=op.f("ck_deals_won_or_lost")),
        sa.ForeignKeyConstraint(
            ["lead_id"], ["leads.lead_id"], name=op.f("fk_deals_lead_id_leads"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["stage_id"],
            ["sales_stages.stage_id"],
            name=op.f("fk_deals_stage_id_sales_stages"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("deal_id", name=op.f("pk_deals")),
    )
    op.create_index("ix_deals_lead_won_at", "deals", ["lead_id", "won_at"], unique=False)
    op.create_index(
        "ix_deals_won_at",
        "deals",
        ["won_at"],
        unique=False,
        postgresql_where=sa.text("won_at IS NOT NULL"),
    )
    op.create_table(
        "ownership_changes",
        sa.Column(
            "ownership_change_id", sa.BigInteger(), sa.Identity(always=False), nullable=False
        ),
        sa.Column("lead_id", sa.BigInteger(), nullable=False),
        sa.Column("from_owner_id", sa.BigInteger(), nullable=True),
        sa.Column("to_owner_id", sa.BigInteger(), nullable=True),
        sa.Column(
            "reason",
            sa.Enum(
                "import", "assigned", "manual", "stale_rule", "released", name="ownership_reason"
            ),
            nullable=False,
        ),
        sa.Column("decided_by_id", sa.BigInteger(), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column(
            "changed_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.CheckConstraint(
            "from_owner_id IS DISTINCT FROM to_owner_id",
            name=op.f("ck_ownership_changes_owner_changes"),
        ),
        sa.ForeignKeyConstraint(
            ["decided_by_id"],
            ["employees.employee_id"],
            name=op.f("fk_ownership_changes_decided_by_id_employees"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["from_owner_id"],
            ["employees.employee_id"],
            name=op.f("fk_ownership_changes_from_owner_id_employees"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["lead_id"],
            ["leads.lead_id"],
            name=op.f("fk_ownership_changes_lead_id_leads"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["to_owner_id"],
            ["employees.employee_id"],
            name=op.f("fk_ownership_changes_to_owner_id_employees"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("ownership_change_id", name=op.f("pk_ownership_changes")),
    )
    op.create_index(
        "ix_ownership_changes_changed_at", "ownership_changes", ["changed_at"], unique=False
    )
    op.create_index(
        "ix_ownership_changes_lead_changed_at",
        "ownership_changes",
        ["lead_id", "changed_at"],
        unique=False,
    )
    op.create_table(
        "survey_invitations",
        sa.Column(
            "survey_invitation_id", sa.BigInteger(), sa.Identity(always=False), nullable=False
        ),
        sa.Column("survey_wave_id", sa.BigInteger(), nullable=False),
        sa.Column("lead_id", sa.BigInteger(), nullable=False),
        sa.Column("person_id", sa.BigInteger(), nullable=False),
        sa.Column("token", sa.String(length=64), nullable=False),
        sa.Column("invited_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("reminded_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "length(token) >= 32", name=op.f("ck_survey_invitations_token_unguessable")
        ),
        sa.ForeignKeyConstraint(
            ["lead_id"],
            ["leads.lead_id"],
            name=op.f("fk_survey_invitations_lead_id_leads"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["person_id"],
            ["persons.person_id"],
            name=op.f("fk_survey_invitations_person_id_persons"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["survey_wave_id"],
            ["survey_waves.survey_wave_id"],
            name=op.f("fk_survey_invitations_survey_wave_id_survey_waves"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("survey_invitation_id", name=op.f("pk_survey_invitations")),
        sa.UniqueConstraint(
            "survey_wave_id", "lead_id", name=op.f("uq_survey_invitations_survey_wave_id_lead_id")
        ),
        sa.UniqueConstraint("token", name=op.f("uq_survey_invitations_token")),
    )
    op.create_index(
        op.f("ix_survey_invitations_lead_id"), "survey_invitations", ["lead_id"], unique=False
    )
    op.create_index(
        op.f("ix_survey_invitations_person_id"), "survey_invitations", ["person_id"], unique=False
    )
    op.create_table(
        "survey_responses",
        sa.Column("survey_response_id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("survey_invitation_id", sa.BigInteger(), nullable=False),
        sa.Column(
            "source",
            sa.Enum("web", "import", name="response_source"),
            server_default="web",
            nullable=False,
        ),
        sa.Column(
            "submitted_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("products_range", sa.SmallInteger(), nullable=True),
        sa.Column("products_quality", sa.SmallInteger(), nullable=True),
        sa.Column("products_features", sa.SmallInteger(), nullable=True),
        sa.Column("products_packaging", sa.SmallInteger(), nullable=True),
        sa.Column("service_speed", sa.SmallInteger(), nullable=True),
        sa.Column("service_friendliness", sa.SmallInteger(), nullable=True),
        sa.Column("service_informing", sa.SmallInteger(), nullable=True),
        sa.Column("service_complaints", sa.SmallInteger(), nullable=True),
        sa.Column("prices_value", sa.SmallInteger(), nullable=True),
        sa.Column("prices_discounts", sa.SmallInteger(), nullable=True),
        sa.Column("prices_payment_terms", sa.SmallInteger(), nullable=True),
        sa.Column("prices_returns", sa.SmallInteger(), nullable=True),
        sa.Column("logistics", sa.SmallInteger(), nullable=True),
        sa.Column("company_overall", sa.SmallInteger(), nullable=True),
        sa.Column("nps", sa.SmallInteger(), nullable=True),
        sa.Column("comment", sa.Text(), nullable=True),
        sa.CheckConstraint(
            "company_overall BETWEEN 1 AND 5",
            name=op.f("ck_survey_responses_company_overall_range"),
        ),
        sa.CheckConstraint(
            "logistics BETWEEN 1 AND 5", name=op.f("ck_survey_responses_logistics_range")
        ),
        sa.CheckConstraint("nps BETWEEN 0 AND 10", name=op.f("ck_survey_responses_nps_range")),
        sa.CheckConstraint(
            "prices_discounts BETWEEN 1 AND 5",
            name=op.f("ck_survey_responses_prices_discounts_range"),
        ),
        sa.CheckConstraint(
            "prices_payment_terms BETWEEN 1 AND 5",
            name=op.f("ck_survey_responses_prices_payment_terms_range"),
        ),
        sa.CheckConstraint(
            "prices_returns BETWEEN 1 AND 5", name=op.f("ck_survey_responses_prices_returns_range")
        ),
        sa.CheckConstraint(
            "prices_value BETWEEN 1 AND 5", name=op.f("ck_survey_responses_prices_value_range")
        ),
        sa.CheckConstraint(
            "products_features BETWEEN 1 AND 5",
            name=op.f("ck_survey_responses_products_features_range"),
        ),
        sa.CheckConstraint(
            "products_packaging BETWEEN 1 AND 5",
            name=op.f("ck_survey_responses_products_packaging_range"),
        ),
        sa.CheckConstraint(
            "products_quality BETWEEN 1 AND 5",
            name=op.f("ck_survey_responses_products_quality_range"),
        ),
        sa.CheckConstraint(
            "products_range BETWEEN 1 AND 5", name=op.f("ck_survey_responses_products_range_range")
        ),
        sa.CheckConstraint(
            "service_complaints BETWEEN 1 AND 5",
            name=op.f("ck_survey_responses_service_complaints_range"),
        ),
        sa.CheckConstraint(
            "service_friendliness BETWEEN 1 AND 5",
            name=op.f("ck_survey_responses_service_friendliness_range"),
        ),
        sa.CheckConstraint(
            "service_informing BETWEEN 1 AND 5",
            name=op.f("ck_survey_responses_service_informing_range"),
        ),
        sa.CheckConstraint(
            "service_speed BETWEEN 1 AND 5", name=op.f("ck_survey_responses_service_speed_range")
        ),
        sa.ForeignKeyConstraint(
            ["survey_invitation_id"],
            ["survey_invitations.survey_invitation_id"],
            name=op.f("fk_survey_responses_survey_invitation_id_survey_invitations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("survey_response_id", name=op.f("pk_survey_responses")),
        sa.UniqueConstraint(
            "survey_invitation_id", name=op.f("uq_survey_responses_survey_invitation_id")
        ),
    )
    op.execute(APPEND_ONLY)


def downgrade() -> None:
    op.drop_table("survey_responses")
    op.drop_index(op.f("ix_survey_invitations_person_id"), table_name="survey_invitations")
    op.drop_index(op.f("ix_survey_invitations_lead_id"), table_name="survey_invitations")
    op.drop_table("survey_invitations")
    op.drop_index("ix_ownership_changes_lead_changed_at", table_name="ownership_changes")
    op.drop_index("ix_ownership_changes_changed_at", table_name="ownership_changes")
    op.drop_table("ownership_changes")
    op.drop_index(
        "ix_deals_won_at", table_name="deals", postgresql_where=sa.text("won_at IS NOT NULL")
    )
    op.drop_index("ix_deals_lead_won_at", table_name="deals")
    op.drop_table("deals")
    op.drop_index(
        "uq_campaign_sends_email",
        table_name="campaign_sends",
        postgresql_where=sa.text("email IS NOT NULL"),
    )
    op.drop_index(op.f("ix_campaign_sends_person_id"), table_name="campaign_sends")
    op.drop_index(
        "ix_campaign_sends_open",
        table_name="campaign_sends",
        postgresql_where=sa.text("status IN ('pending', 'sending')"),
    )
    op.drop_table("campaign_sends")
    op.drop_index("ix_activities_lead_held_at", table_name="activities")
    op.drop_index("ix_activities_employee_planned_at", table_name="activities")
    op.drop_table("activities")
    op.drop_index(op.f("ix_list_members_person_id"), table_name="list_members")
    op.drop_index(op.f("ix_list_members_organisation_id"), table_name="list_members")
    op.drop_table("list_members")
    op.drop_index(
        "uq_leads_open_person_line",
        table_name="leads",
        postgresql_where=sa.text("status = 'open' AND person_id IS NOT NULL"),
    )
    op.drop_index(
        "uq_leads_open_organisation_line",
        table_name="leads",
        postgresql_where=sa.text("status = 'open' AND organisation_id IS NOT NULL"),
    )
    op.drop_index("ix_leads_stage", table_name="leads")
    op.drop_index(op.f("ix_leads_person_id"), table_name="leads")
    op.drop_index(op.f("ix_leads_organisation_id"), table_name="leads")
    op.drop_index(
        "ix_leads_open_owner", table_name="leads", postgresql_where=sa.text("status = 'open'")
    )
    op.drop_index(
        "ix_leads_open_line_owned_since",
        table_name="leads",
        postgresql_where=sa.text("status = 'open'"),
    )
    op.drop_table("leads")
    op.drop_index(
        "ix_campaigns_due",
        table_name="campaigns",
        postgresql_where=sa.text("status IN ('scheduled', 'running')"),
    )
    op.drop_table("campaigns")
    op.drop_index(op.f("ix_useful_dates_person_id"), table_name="useful_dates")
    op.drop_index(op.f("ix_useful_dates_organisation_id"), table_name="useful_dates")
    op.drop_index("ix_useful_dates_month_day", table_name="useful_dates")
    op.drop_table("useful_dates")
    op.drop_table("survey_waves")
    op.drop_index(op.f("ix_suppressions_person_id"), table_name="suppressions")
    op.drop_index(op.f("ix_suppressions_organisation_id"), table_name="suppressions")
    op.drop_table("suppressions")
    op.drop_table("sales_stages")
    op.drop_index(op.f("ix_leave_periods_employee_id"), table_name="leave_periods")
    op.drop_table("leave_periods")
    op.drop_index("ix_employments_work_email", table_name="employments")
    op.drop_index(op.f("ix_employments_organisation_id"), table_name="employments")
    op.drop_table("employments")
    op.drop_index(op.f("ix_employee_lines_line_id"), table_name="employee_lines")
    op.drop_table("employee_lines")
    op.drop_table("contact_lists")
    op.drop_table("professional_holidays")
    op.drop_index("ix_persons_phones", table_name="persons", postgresql_using="gin")
    op.drop_index("ix_persons_emails", table_name="persons", postgresql_using="gin")
    op.drop_index("ix_persons_birth_month_day", table_name="persons")
    op.drop_table("persons")
    op.drop_index(op.f("ix_organisations_tax_id"), table_name="organisations")
    op.drop_index(op.f("ix_organisations_region"), table_name="organisations")
    op.drop_index("ix_organisations_phones", table_name="organisations", postgresql_using="gin")
    op.drop_index(op.f("ix_organisations_industry"), table_name="organisations")
    op.drop_index("ix_organisations_emails", table_name="organisations", postgresql_using="gin")
    op.drop_index(
        "ix_organisations_custom_attributes",
        table_name="organisations",
        postgresql_using="gin",
        postgresql_ops={"custom_attributes": "jsonb_path_ops"},
    )
    op.drop_table("organisations")
    op.drop_table("message_templates")
    op.drop_table("employees")
    op.drop_table("business_lines")
    for name in ENUM_TYPES:
        op.execute(f"DROP TYPE {name}")
    op.execute("DROP FUNCTION refuse_change()")
    op.execute("DROP FUNCTION inn_is_valid(text)")

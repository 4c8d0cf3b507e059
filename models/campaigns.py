"""Message templates, campaigns and the per-recipient send ledger."""

from __future__ import annotations

import enum
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, created_at, fk, intpk, pg_enum


class CampaignStatus(enum.StrEnum):
    draft = "draft"
    scheduled = "scheduled"
    running = "running"
    paused = "paused"
    finished = "finished"
    cancelled = "cancelled"


class Channel(enum.StrEnum):
    email = "email"
    paper = "paper"


class ScheduleKind(enum.StrEnum):
    one_off = "one_off"
    recurring = "recurring"
    date_triggered = "date_triggered"


class GreetingTrigger(enum.StrEnum):
    """What a date-triggered campaign greets: the occasions come from the base, each year."""

    birthday = "birthday"  # persons.birth_date
    family_date = "family_date"  # useful_dates of kind family_date
    company_anniversary = "company_anniversary"  # founded_date or a company_anniversary date
    professional_holiday = "professional_holiday"  # the calendar, by the client's industry


class SendStatus(enum.StrEnum):
    pending = "pending"
    sending = "sending"
    sent = "sent"
    failed = "failed"
    # The server may or may not have accepted it (timeout after DATA): never resent blindly.
    unknown = "unknown"
    skipped = "skipped"


class MessageTemplate(Base):
    __tablename__ = "message_templates"

    template_id: Mapped[intpk]
    name: Mapped[str] = mapped_column(sa.String(200), unique=True)
    subject: Mapped[str] = mapped_column(sa.Text)
    body_html: Mapped[str] = mapped_column(sa.Text)
    body_text: Mapped[str] = mapped_column(sa.Text)
    is_builtin: Mapped[bool] = mapped_column(server_default=sa.false())
    created_at: Mapped[created_at]


class Campaign(Base):
    __tablename__ = "campaigns"

    campaign_id: Mapped[intpk]
    name: Mapped[str] = mapped_column(sa.String(200), unique=True)
    line_id: Mapped[int | None] = mapped_column(fk("business_lines.line_id"))
    template_id: Mapped[int] = mapped_column(fk("message_templates.template_id"))
    list_id: Mapped[int | None] = mapped_column(fk("contact_lists.list_id"))
    channel: Mapped[Channel] = mapped_column(pg_enum(Channel, "channel"), server_default="email")
    status: Mapped[CampaignStatus] = mapped_column(
        pg_enum(CampaignStatus, "campaign_status"), server_default="draft"
    )
    schedule_kind: Mapped[ScheduleKind | None] = mapped_column(
        pg_enum(ScheduleKind, "schedule_kind")
    )
    send_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))
    # A cron line ("0 9 * * 1") or an RFC 5545 rule ("FREQ=MONTHLY;BYMONTHDAY=1;BYHOUR=10").
    recurrence: Mapped[str | None] = mapped_column(sa.String(200))
    greeting: Mapped[GreetingTrigger | None] = mapped_column(
        pg_enum(GreetingTrigger, "greeting_trigger")
    )
    # A holiday campaign for one holiday only; NULL greets on every holiday of the calendar.
    holiday_id: Mapped[int | None] = mapped_column(fk("professional_holidays.holiday_id"))
    time_zone: Mapped[str] = mapped_column(sa.String(64), server_default="Europe/Moscow")
    status_reason: Mapped[str | None] = mapped_column(sa.Text)
    created_by_id: Mapped[int | None] = mapped_column(fk("employees.employee_id"))
    created_at: Mapped[created_at]
    started_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))
    finished_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))
    # Sending: NULL limits mean the settings' defaults.
    rate_per_second: Mapped[float | None]
    rate_per_hour: Mapped[int | None]
    connections: Mapped[int | None] = mapped_column(sa.SmallInteger)
    # The campaign pauses itself after this many failures in a row (a dead server, a ban).
    max_consecutive_failures: Mapped[int] = mapped_column(sa.SmallInteger, server_default="20")
    # Letters go out only inside the window, in the recipient's time zone (else the campaign's):
    # ISO weekdays (1 = Monday) and hours [window_start_hour, window_end_hour).
    window_days: Mapped[list[int] | None] = mapped_column(ARRAY(sa.SmallInteger))
    window_start_hour: Mapped[int | None] = mapped_column(sa.SmallInteger)
    window_end_hour: Mapped[int | None] = mapped_column(sa.SmallInteger)

    __table_args__ = (
        sa.CheckConstraint(
            "rate_per_second IS NULL OR rate_per_second > 0", name="rate_per_second_positive"
        ),
        sa.CheckConstraint(
            "rate_per_hour IS NULL OR rate_per_hour > 0", name="rate_per_hour_positive"
        ),
        sa.CheckConstraint("connections IS NULL OR connections > 0", name="connections_positive"),
        sa.CheckConstraint(
            "(window_start_hour IS NULL) = (window_end_hour IS NULL)"
            " AND (window_start_hour IS NULL OR window_start_hour < window_end_hour)",
            name="window_hours",
        ),
        sa.CheckConstraint(
            "schedule_kind IS DISTINCT FROM 'one_off' OR send_at IS NOT NULL",
            name="one_off_has_send_at",
        ),
        sa.CheckConstraint(
            "schedule_kind IS DISTINCT FROM 'recurring' OR recurrence IS NOT NULL",
            name="recurring_has_recurrence",
        ),
        sa.CheckConstraint(
            "(schedule_kind = 'date_triggered') = (greeting IS NOT NULL)",
            name="greeting_iff_date_triggered",
        ),
        sa.CheckConstraint(
            "holiday_id IS NULL OR greeting = 'professional_holiday'", name="holiday_for_holidays"
        ),
        sa.Index(
            "ix_campaigns_due",
            "send_at",
            postgresql_where=sa.text("status IN ('scheduled', 'running')"),
        ),
    )


class CampaignSend(Base):
    """The ledger: one row per (campaign, occurrence, person), created once, moved forward only."""

    __tablename__ = "campaign_sends"

    campaign_send_id: Mapped[intpk]
    campaign_id: Mapped[int] = mapped_column(fk("campaigns.campaign_id", "CASCADE"))
    # '' for a one-off campaign; the issue time of a newsletter; the year of a greeting, with
    # the occasion when a person can have several ("2027:d17" for family date 17).
    occurrence: Mapped[str] = mapped_column(sa.String(40), server_default="")
    # What a greeting is for ("День энергетика", "10 лет «Вектор»"): the template's `occasion`.
    occasion: Mapped[str | None] = mapped_column(sa.String(300))
    person_id: Mapped[int] = mapped_column(fk("persons.person_id"), index=True)
    email: Mapped[str | None] = mapped_column(sa.String(320))
    status: Mapped[SendStatus] = mapped_column(
        pg_enum(SendStatus, "send_status"), server_default="pending"
    )
    attempts: Mapped[int] = mapped_column(sa.SmallInteger, server_default="0")
    smtp_code: Mapped[int | None] = mapped_column(sa.SmallInteger)
    last_error: Mapped[str | None] = mapped_column(sa.Text)
    message_id: Mapped[str | None] = mapped_column(sa.String(300))
    unsubscribe_token: Mapped[str | None] = mapped_column(sa.String(64), unique=True)
    claimed_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))
    # The sending run that holds the row; a run holds an advisory lock on it while alive, so a
    # later run can tell a row in flight from one a killed run left behind.
    claimed_by: Mapped[str | None] = mapped_column(sa.String(40))
    # A 4xx answer: not before this time again.
    next_attempt_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))
    sent_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))
    created_at: Mapped[created_at]
    # What the indexes read instead of status, sent_at and claimed_at, so that claiming a row
    # and marking it 'sending' change no indexed value and update it in place (HOT): only
    # the outcome writes index entries. The table keeps room on its pages for that (fillfactor
    # 50, set by migration 0009).
    is_open: Mapped[bool] = mapped_column(
        sa.Computed("status IN ('pending', 'sending')", persisted=True)
    )
    # When a letter went out (or was last tried), for the reports; NULL until it has.
    letter_at: Mapped[datetime | None] = mapped_column(
        sa.DateTime(timezone=True),
        sa.Computed(
            "CASE WHEN status IN ('sent', 'failed', 'unknown') "
            "THEN coalesce(sent_at, claimed_at) END",
            persisted=True,
        ),
    )

    __table_args__ = (
        sa.UniqueConstraint("campaign_id", "occurrence", "person_id"),
        # One letter per address per campaign issue, even for a person listed twice.
        sa.Index(
            "uq_campaign_sends_email",
            "campaign_id",
            "occurrence",
            "email",
            unique=True,
            postgresql_where=sa.text("email IS NOT NULL"),
        ),
        sa.CheckConstraint("email = lower(email)", name="email_lower_case"),
        sa.CheckConstraint("attempts >= 0", name="attempts_not_negative"),
        sa.CheckConstraint("status <> 'sent' OR sent_at IS NOT NULL", name="sent_has_sent_at"),
        # In ledger order within a campaign: a run claims its batches onwards from the last one.
        sa.Index(
            "ix_campaign_sends_open",
            "campaign_id",
            "campaign_send_id",
            postgresql_where=sa.text("is_open"),
        ),
        # The management report's campaign effect: letters that went out in a period.
        sa.Index(
            "ix_campaign_sends_letter_at",
            "letter_at",
            postgresql_where=sa.text("letter_at IS NOT NULL"),
        ),
    )


class CampaignIssue(Base):
    """An issue of a recurring campaign, or a day of a greeting campaign, filled once."""

    __tablename__ = "campaign_issues"

    campaign_id: Mapped[int] = mapped_column(
        fk("campaigns.campaign_id", "CASCADE"), primary_key=True
    )
    # The issue's time in the campaign's zone ("2027-01-04T09:00"), or a greeting day.
    issue: Mapped[str] = mapped_column(sa.String(40), primary_key=True)
    recipients: Mapped[int] = mapped_column(server_default="0")
    issued_at: Mapped[created_at]

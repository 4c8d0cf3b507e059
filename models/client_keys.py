"""Match keys of the client base: normalised tax ids, phones, e-mails, domains and names.

The normalisers are Python, so their results are stored once per client instead of being
recomputed over the whole base at every import; a lead file is matched with one join on
(kind, key). Fuzzy name candidates come from the first and last letters of the name key.
"""

from __future__ import annotations

import enum

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, fk, pg_enum

# Name keys shorter than this make blocks too large to be worth a fuzzy comparison.
BLOCK_LENGTH = 5
# The tail block is the end of the first word (the distinctive root of most names: "granvik"
# of "granvik stroi"), so a typo in the first letters still meets; the end of the whole key
# would be a common word ("stroi") shared by thousands. The database computes it with
# name_tail(key), created by the lead-lists migration.


def name_blocks(key: str) -> tuple[str, str]:
    """(head, tail) of a name key, as left(key, 5) and name_tail(key) compute them."""
    first = key.split(" ", 1)[0]
    return key[:BLOCK_LENGTH], (first if len(first) >= BLOCK_LENGTH else key)[-BLOCK_LENGTH:]


class KeyKind(enum.StrEnum):
    tax_id = "tax_id"
    phone = "phone"
    email = "email"
    domain = "domain"  # a company domain: never a free-mail one
    org_name = "org_name"  # the transliterated name key, so Cyrillic and Latin meet
    person_name = "person_name"  # order-free surname + first initial
    person_birth = "person_birth"  # person_name + birth date


class ClientKey(Base):
    __tablename__ = "client_keys"

    client_key_id: Mapped[int] = mapped_column(sa.BigInteger, sa.Identity(), primary_key=True)
    kind: Mapped[KeyKind] = mapped_column(pg_enum(KeyKind, "key_kind"))
    key: Mapped[str] = mapped_column(sa.Text)
    # An employment's work phone or e-mail carries both: the person at that organisation.
    organisation_id: Mapped[int | None] = mapped_column(
        fk("organisations.organisation_id", "CASCADE"), index=True
    )
    person_id: Mapped[int | None] = mapped_column(fk("persons.person_id", "CASCADE"), index=True)

    __table_args__ = (
        sa.CheckConstraint("num_nonnulls(organisation_id, person_id) >= 1", name="has_client"),
        sa.Index("ix_client_keys_kind_key", "kind", "key"),
        sa.Index(
            "ix_client_keys_name_head",
            sa.text(f"left(key, {BLOCK_LENGTH})"),
            postgresql_where=sa.text("kind = 'org_name'"),
            # Covering: the block query reads the index alone, not a page of the table per row.
            postgresql_include=["organisation_id", "key"],
        ),
        sa.Index(
            "ix_client_keys_name_tail",
            sa.text("name_tail(key)"),
            postgresql_where=sa.text("kind = 'org_name'"),
            postgresql_include=["organisation_id", "key"],
        ),
    )

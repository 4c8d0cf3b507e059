"""A campaign at scale: personalised letters to an SMTP sink in another process, on loopback.

    .venv/bin/python -u benchmarks/bench_campaigns.py [--letters 100000] [--connections 4]

Setup (timed, not measured): a scratch database gets `--letters` recipients with Russian
names, a gender and one e-mail each: half of them individual clients listed by person, half the
primary contacts of listed organisations (every fifth organisation also has a second, non-primary
contact who gets nothing); a rep owns open leads of some of them; all rows go in with COPY. Then
the built-in newsletter template, a campaign on the static list with no rate limit, and its
ledger (fill_ledger's INSERT ... SELECT, timed on its own).

Measured: the real sender, `send_issue` with `letter_maker` and `sending_for` pointed at an
aiosmtpd sink running in a spawned process (benchmarks/_smtp_sink.py): claim, render, mark
'sending' (committed before its data goes; the connections' marks share commits), SMTP, record.
The sink's count and the ledger (all 'sent') are checked afterwards. The reference, in the same
run: a bare aiosmtplib loop (`bare_send`) sending as many pre-built letters of the same size
(one real letter, a different To each) over the same number of connections to the same sink;
run before the sender and after it, the better of the two is the reference. The one before runs
in a spawned process of its own, so that this process's peak memory right after the sender is
the sender's own (the 100,000 pre-built messages of the reference are most of the peak at the
end). Printed: letters/s, the reference's messages/s and the ratio, and peak RSS. Targets:
ratio >= 0.7; the sender's peak memory flat, under 500 MiB whatever the audience size.

A second line, to explain the ratio and not a floor the ratio is taken against: the same bare
loop with one durable commit awaited before each message (`bare_send_committing`), i.e. what
the rule "on disk before its data goes" costs a loop that does nothing else.

And where the CPU went during the sender and during the reference after it (from /proc, so on
Linux): milliseconds a letter in this process, in the sink, and in the rest of the machine (for
the sender, mostly the database's backends), and the share of the cores that was busy. The
sender, the sink and the database share the machine's cores: on a small machine the ratio is
bounded by the CPU each letter costs all of them together, not by the sender's own speed.
"""

from __future__ import annotations

import argparse
import multiprocessing
import random
import re
import sys
from concurrent.futures import ProcessPoolExecutor
from itertools import chain
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.orm import Session

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks._common import CpuMeter, peak_rss_mb, scratch_engine, timed  # noqa: E402
from benchmarks._smtp_sink import bare_send, bare_send_committing, sink_process  # noqa: E402
from models.campaigns import Campaign  # noqa: E402
from models.settings import get_settings  # noqa: E402
from models.sql import query  # noqa: E402
from tasks import campaigns  # noqa: E402
from tasks.bulk_copy import copy_rows, reset_identity  # noqa: E402
from tasks.campaign_audience import fill_ledger  # noqa: E402
from tasks.campaign_sending import claim_params, send_issue  # noqa: E402
from tasks.campaign_templates import load_builtin  # noqa: E402
from tasks.demo_names import (  # noqa: E402
    MAIL_PROVIDERS,
    REGIONS,
    RU_FEMALE,
    RU_MALE,
    RU_POSITIONS,
    RU_PREFIXES,
    RU_STEMS,
    RU_SUFFIXES,
    RU_SURNAMES,
    STREETS,
    female_surname,
    latin,
)
from tasks.lines import add_line  # noqa: E402

LINE, LIST, TEMPLATE, CAMPAIGN = "Bench", "Bench audience", "newsletter", "Bench newsletter"
REPS = (
    ("Анна Сергеевна Смирнова", "anna.smirnova@example.com", "+7 495 123-45-61"),
    ("Игорь Петрович Волков", "igor.volkov@example.com", "+7 495 123-45-62"),
    ("Ольга Викторовна Орлова", "olga.orlova@example.com", "+7 812 234-56-73"),
)
PERSON_COLUMNS = (
    "person_id", "first_name", "middle_name", "last_name", "gender", "phones", "emails", "city",
)  # fmt: skip
ORG_COLUMNS = (
    "organisation_id", "name", "legal_form", "region", "city", "address", "postcode", "website",
    "phones",
)  # fmt: skip
EMPLOYMENT_COLUMNS = (
    "employment_id", "person_id", "organisation_id", "position", "work_email",
    "is_primary_contact", "is_decision_maker",
)  # fmt: skip
SECOND_CONTACT_EVERY = 5  # organisations with a non-primary contact as well


class Base:
    """Who is who: person and organisation ids follow from the audience size alone."""

    def __init__(self, letters: int) -> None:
        self.orgs = letters // 2  # recipients through an organisation's primary contact
        self.individuals = letters - self.orgs  # persons 1..individuals
        self.seconds = self.orgs // SECOND_CONTACT_EVERY
        self.persons = letters + self.seconds

    def contact(self, org: int) -> int:
        return self.individuals + org

    def second_contact(self, org: int) -> int:
        return self.individuals + self.orgs + org // SECOND_CONTACT_EVERY


def person_rows(base: Base, rng: random.Random):
    for pid in range(1, base.persons + 1):
        father = rng.choice(RU_MALE)
        surname = rng.choice(RU_SURNAMES)
        if rng.random() < 0.5:
            first, middle, last, gender = rng.choice(RU_MALE)[0], father[1], surname, "male"
        else:
            first, middle, last = rng.choice(RU_FEMALE), father[2], female_surname(surname)
            gender = "female"
        email = f"{latin(first)}.{latin(last)}.{pid}@{MAIL_PROVIDERS[pid % 3]}"
        phone = f"+7 9{rng.randrange(10**9):09d}"
        yield pid, first, middle, last, gender, [phone], [email], rng.choice(REGIONS).city


def org_rows(base: Base, rng: random.Random):
    for org in range(1, base.orgs + 1):
        stem = rng.choice(RU_STEMS) if rng.random() < 0.5 else (
            rng.choice(RU_PREFIXES) + rng.choice(RU_SUFFIXES)
        )  # fmt: skip
        form = rng.choice(("ООО", "ООО", "ООО", "АО", "ПАО"))
        region = rng.choice(REGIONS)
        digits = 10 - len(region.area_code)
        phone = f"+7 {region.area_code} {rng.randrange(10**digits):0{digits}d}"
        yield (
            org, f"{form} «{stem}»", form, region.region, region.city,
            f"г. {region.city}, {rng.choice(STREETS)}, д. {rng.randint(1, 120)}",
            f"{region.postcode}{rng.randrange(1000):03d}", f"https://{latin(stem)}-{org}.example",
            [phone],
        )  # fmt: skip


def employment_rows(base: Base, emails: dict[int, str], rng: random.Random):
    employment = 0
    for org in range(1, base.orgs + 1):
        title, decides = rng.choice(RU_POSITIONS)
        employment += 1
        pid = base.contact(org)
        yield employment, pid, org, title, emails[pid], True, decides
        if org % SECOND_CONTACT_EVERY == 0:
            employment += 1
            pid = base.second_contact(org)
            yield employment, pid, org, "Менеджер по закупкам", emails[pid], False, False


def load_base(engine, letters: int, seed: int) -> None:
    base, rng = Base(letters), random.Random(seed)
    with Session(engine) as session, session.begin():
        line_id = add_line(session, LINE)
    with engine.begin() as conn:
        stage_id = conn.scalar(
            sa.text(
                "SELECT stage_id FROM sales_stages WHERE line_id = :line ORDER BY position LIMIT 1"
            ),
            {"line": line_id},
        )
        copy_rows(
            conn, "employees", ("employee_id", "full_name", "email", "phone"),
            ((n, *rep) for n, rep in enumerate(REPS, start=1)),
        )  # fmt: skip
        copy_rows(
            conn, "employee_lines", ("employee_id", "line_id", "role"),
            ((n, line_id, "rep") for n in range(1, len(REPS) + 1)),
        )  # fmt: skip
        # The e-mails are kept (a few MB) for the employments' work addresses.
        emails: dict[int, str] = {}

        def persons():
            for row in person_rows(base, rng):
                if row[0] > base.individuals:
                    emails[row[0]] = row[6][0]
                yield row

        copy_rows(conn, "persons", PERSON_COLUMNS, persons())
        copy_rows(conn, "organisations", ORG_COLUMNS, org_rows(base, rng))
        copy_rows(conn, "employments", EMPLOYMENT_COLUMNS, employment_rows(base, emails, rng))
        emails.clear()
        # A rep owns open leads of every third organisation and every fourth individual.
        lead_rows = chain(
            (
                (org, None, line_id, 1 + org % len(REPS), stage_id)
                for org in range(3, base.orgs + 1, 3)
            ),
            (
                (None, pid, line_id, 1 + pid % len(REPS), stage_id)
                for pid in range(4, base.individuals + 1, 4)
            ),
        )
        copy_rows(
            conn, "leads", ("organisation_id", "person_id", "line_id", "owner_id", "stage_id"),
            lead_rows,
        )  # fmt: skip
        list_id = conn.scalar(
            sa.text(
                "INSERT INTO contact_lists (name, kind) VALUES (:n, 'static') RETURNING list_id"
            ),
            {"n": LIST},
        )
        members = chain(
            ((list_id, pid, None) for pid in range(1, base.individuals + 1)),
            ((list_id, None, org) for org in range(1, base.orgs + 1)),
        )
        copy_rows(conn, "list_members", ("list_id", "person_id", "organisation_id"), members)
        for table, column in (
            ("employees", "employee_id"),
            ("persons", "person_id"),
            ("organisations", "organisation_id"),
            ("employments", "employment_id"),
        ):
            reset_identity(conn, table, column)
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(sa.text("VACUUM ANALYZE"))


def make_campaign(engine, connections: int) -> int:
    with Session(engine) as session, session.begin():
        campaigns.add_template(session, TEMPLATE, *load_builtin(TEMPLATE))
        campaign_id = campaigns.create_campaign(
            session, name=CAMPAIGN, template=TEMPLATE, list_name=LIST
        )
        session.get(Campaign, campaign_id).connections = connections
        campaigns.start(session, campaign_id)
    return campaign_id


def sample_letter(engine, campaign_id: int, maker, size: int = 200) -> tuple[bytes, str, float]:
    """A real letter of about the mean size: a batch claimed, rendered, and rolled back."""
    params = claim_params(campaign_id, size, "probe", None)
    with engine.connect() as conn, conn.begin() as trans:
        letters = [maker(row) for row in conn.execute(query("campaign_sending", "claim"), params)]
        trans.rollback()
    mean = sum(len(letter.raw) for letter in letters) / len(letters)
    chosen = min(letters, key=lambda letter: abs(len(letter.raw) - mean))
    return chosen.raw, chosen.to, mean


def reference_messages(template: bytes, to: str, emails: list[str]) -> list[bytes]:
    """The sample letter once per address: its To line (display name kept) is all that changes."""
    match = re.search(rb"^To: [^\r\n]*\r\n", template, re.MULTILINE)
    head, line, tail = template[: match.start()], match.group(), template[match.end() :]
    before, _, after = line.partition(to.encode())
    return [head + before + email.encode() + after + tail for email in emails]


def reference_elsewhere(host, port, template, to, emails, connections) -> tuple[float, float]:
    """bare_send in a process of its own; returns (seconds, that process's peak RSS)."""
    seconds = bare_send(host, port, reference_messages(template, to, emails), connections)
    return seconds, peak_rss_mb()


def ledger(engine, campaign_id: int) -> tuple[list[str], dict[str, int]]:
    with engine.connect() as conn:
        emails = list(
            conn.scalars(
                sa.text(
                    "SELECT email FROM campaign_sends WHERE campaign_id = :c AND email IS NOT NULL"
                    " ORDER BY campaign_send_id"
                ),
                {"c": campaign_id},
            )
        )
        counts = conn.execute(
            query("campaign_sending", "ledger_counts"), {"campaign_id": campaign_id}
        )
        return emails, dict(counts.all())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--letters", type=int, default=100_000)
    parser.add_argument("--connections", type=int, default=4)
    parser.add_argument("--seed", type=int, default=42)
    args = parser.parse_args()
    letters, connections = args.letters, args.connections
    assert get_settings().smtp_rate_per_second is None, "unset SMTP_RATE_PER_SECOND to measure"

    with (
        scratch_engine("bench_campaigns") as engine,
        sink_process() as (host, port, counter, sink_pid),
    ):
        load_s, _ = timed(lambda: load_base(engine, letters, args.seed))
        campaign_id = make_campaign(engine, connections)

        def fill():
            with engine.begin() as conn:
                return fill_ledger(conn, campaign_id)

        fill_s, added = timed(fill)
        assert added == letters, f"the ledger has {added:,} rows, not {letters:,}"
        emails, counts = ledger(engine, campaign_id)
        assert counts == {"pending": letters}, counts
        print(
            f"setup: {letters:,} recipients ({letters - letters // 2:,} persons, "
            f"{letters // 2:,} organisations' primary contacts) loaded with COPY in {load_s:.1f} s;"
            f" fill_ledger (INSERT ... SELECT) {fill_s:.2f} s for {added:,} rows"
        )

        with Session(engine) as session:
            campaign = session.get(Campaign, campaign_id)
            maker = campaigns.letter_maker(session, campaign)
            how = campaigns.sending_for(campaign, host, port)
            line_id = campaign.line_id
        assert how.per_second is None and how.per_hour is None and how.connections == connections
        template, to, mean_size = sample_letter(engine, campaign_id, maker)
        setup_rss = peak_rss_mb()

        # The reference before the sender, in a spawned process: this one's peak stays its own.
        spawn = multiprocessing.get_context("spawn")
        with ProcessPoolExecutor(max_workers=1, mp_context=spawn) as pool:
            ref_before_s, child_rss = pool.submit(
                reference_elsewhere, host, port, template, to, emails, connections
            ).result()
        assert counter.value == letters, f"the sink counted {counter.value:,} of {letters:,}"

        sender_cpu, reference_cpu = CpuMeter(sink_pid), CpuMeter(sink_pid)
        with sender_cpu:
            send_s, result = timed(lambda: send_issue(engine, campaign_id, line_id, maker, how))
        sender_rss = peak_rss_mb()
        received = counter.value - letters
        assert result.sent == letters and received == letters, (result, received)
        assert result.counts == {"sent": letters}, result.counts
        assert ledger(engine, campaign_id)[1] == {"sent": letters}

        messages = reference_messages(template, to, emails)
        del emails
        ref_after_s = bare_send(host, port, messages, connections, reference_cpu)
        assert counter.value == 3 * letters, f"the sink counted {counter.value:,}"
        end_rss = peak_rss_mb()
        dsn = engine.dialect.create_connect_args(engine.url)[1]
        commit_s = bare_send_committing(host, port, messages, connections, dsn)
        assert counter.value == 4 * letters, f"the sink counted {counter.value:,}"

    reference_s = min(ref_before_s, ref_after_s)
    sender_rate, reference_rate = letters / send_s, letters / reference_s
    print(
        f"sender: {letters:,} letters of ~{mean_size:,.0f} bytes (newsletter, personalised) over "
        f"{connections} connections in {send_s:.2f} s: {sender_rate:,.0f} letters/s"
    )
    print(
        f"reference (bare aiosmtplib, {letters:,} pre-built letters of {len(template):,} bytes): "
        f"before {ref_before_s:.2f} s ({letters / ref_before_s:,.0f} msg/s), "
        f"after {ref_after_s:.2f} s ({letters / ref_after_s:,.0f} msg/s); "
        f"best {reference_rate:,.0f} msg/s"
    )
    print(f"ratio sender / reference: {sender_rate / reference_rate:.2f}  (target >= 0.7)")
    print(f"sender: {sender_cpu.split(letters, 'sender', 'sink')}")
    print(f"reference after: {reference_cpu.split(letters, 'bare loop', 'sink')}")
    print(
        f"second reference, for explanation only (the ratio above is to the bare loop): the bare "
        f"loop with one durable commit awaited before each message's MAIL (a one-row UPDATE on "
        f"a database connection per SMTP connection) {commit_s:.2f} s, "
        f"{letters / commit_s:,.0f} msg/s ({letters / commit_s / reference_rate:.2f} of the bare "
        f"loop); the sender reaches {sender_rate * commit_s / letters:.2f} of it"
    )
    print(
        f"peak RSS: {setup_rss:,.0f} MB after setup, {sender_rss:,.0f} MB after the sender "
        f"(its own; target < 500 MiB), {end_rss:,.0f} MB at the end with the reference's "
        f"pre-built messages ({child_rss:,.0f} MB in the process of the reference before)"
    )
    print(f"sink counted {received:,} letters from the sender; ledger: {result.counts}")


if __name__ == "__main__":
    main()

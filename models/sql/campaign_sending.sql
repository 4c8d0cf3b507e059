-- name: recover_in_flight
-- Purpose: what a killed run left behind. Its rows in 'sending' were on their way to the
-- server and become 'unknown' (the server may have taken them): never resent blindly. Its
-- rows still 'pending' were claimed but never tried: free again. A live run holds an advisory
-- lock on its key, so its rows are left alone: pg_try_advisory_xact_lock succeeds only for
-- keys nobody holds.
-- Side effects: updates campaign_sends.
with dead as (
    select claimed_by
    from (
        select distinct claimed_by from campaign_sends
        where campaign_id = :campaign_id and is_open and claimed_by is not null
    ) as runs
    where pg_try_advisory_xact_lock(hashtext('campaign-run'), hashtext(claimed_by))
)

update campaign_sends as s
set status = case when s.status = 'sending' then 'unknown' else s.status end,
    last_error = case
        when s.status = 'sending' then 'in flight when its sending run stopped; not resent'
        else s.last_error
    end,
    claimed_by = null
from dead
where s.campaign_id = :campaign_id and s.is_open and s.claimed_by = dead.claimed_by

-- name: skip_suppressed
-- Purpose: suppressions are checked at send time, every time: a pending row whose address,
-- person or organisation was suppressed since the ledger was filled is skipped.
-- Side effects: updates campaign_sends.
update campaign_sends as s
set status = 'skipped', last_error = 'suppressed before sending: ' || x.reason::text
from (
    select distinct on (p.campaign_send_id) p.campaign_send_id, sp.reason
    from campaign_sends as p
    join suppressions as sp
        on sp.email = p.email or sp.person_id = p.person_id
    where p.campaign_id = :campaign_id and p.is_open and p.status = 'pending'
) as x
where s.campaign_send_id = x.campaign_send_id

-- name: claim
-- Purpose: the next batch of a campaign's pending rows for this run, inside the campaign's
-- sending window, each with what its letter needs, after :after in the ledger (the highest id
-- of the run's previous batch; 0 goes over the whole ledger again, for rows released, due
-- again or passed over behind it); SKIP LOCKED and the claim, so two runs at once never take
-- the same row.
-- The rows stay 'pending' until each letter is about to go (mark_sending).
-- Side effects: sets claimed_by to the run's key.
with campaign as (
    -- A pause or a cancel stops a run at its next batch.
    select * from campaigns where campaign_id = :campaign_id and status = 'running'
),

picked as (
    select s.campaign_send_id
    from campaign_sends as s
    join campaign as c on true
    where s.campaign_id = :campaign_id and s.is_open and s.campaign_send_id > :after
      and s.status = 'pending' and s.claimed_by is null
      and (s.next_attempt_at is null or s.next_attempt_at <= now())
      -- The sending window, in the recipient's time zone (else the campaign's): outside it
      -- the row waits for a later run. A subquery, looked at only when the campaign has a
      -- window: joined, the persons drove the plan (the ledger scanned in their order).
      and (
          c.window_days is null and c.window_start_hour is null
          or exists (
              select 1 from persons as p
              where p.person_id = s.person_id and in_sending_window(
                  coalesce(p.time_zone, c.time_zone),
                  c.window_days, c.window_start_hour, c.window_end_hour
              )
          )
      )
    -- Onwards from the last batch, in the open-rows index's order: the scan starts where the
    -- previous one stopped and ends after a batch. From the start each time, a claim stepped
    -- over every row sent so far (25 ms for the first batch of 100,000 letters, 290 ms for the
    -- last). This plan needs the ledger's statistics to know the campaign's open rows are many
    -- (fill_ledger analyses after a large fill); with too few, the planner sorts them instead.
    order by s.campaign_send_id
    limit :batch
    for update of s skip locked
),

claimed as (
    -- By primary key, as an array: joined with picked, the planner hashed the whole ledger
    -- for each batch of 500 (7 ms at 20,000 rows, growing with the campaign).
    update campaign_sends as s
    set claimed_by = :run_key, claimed_at = now()
    where s.campaign_send_id = any(array(select campaign_send_id from picked))
    returning
        s.campaign_send_id, s.person_id, s.email, s.occurrence, s.occasion, s.unsubscribe_token
)

select
    c.campaign_send_id, c.email, c.occurrence, c.occasion, c.unsubscribe_token, c.person_id,
    p.first_name, p.middle_name, p.last_name, p.gender::text as gender, p.locale,
    o.name as organisation_name, o.legal_form, o.city, o.address, o.website,
    o.phones[1] as organisation_phone,
    r.full_name as rep_name, r.email as rep_email, r.phone as rep_phone,
    si.token as survey_token
from claimed as c
-- Each claimed row's person by primary key (offset 0 keeps the subquery a nested loop):
-- joined, the planner hashed every person for a batch of 500.
join lateral (
    select p.* from persons as p where p.person_id = c.person_id offset 0
) as p on true
left join lateral (
    select e.organisation_id from employments as e
    where e.person_id = c.person_id and e.ended_date is null
    order by (e.work_email = c.email) desc nulls last, e.is_primary_contact desc, e.employment_id
    limit 1
) as work on true
left join organisations as o on o.organisation_id = work.organisation_id
left join lateral (
    select l.owner_id from leads as l
    where l.status = 'open' and l.owner_id is not null
      and (l.person_id = c.person_id or l.organisation_id = work.organisation_id)
    order by (l.line_id = :line_id) desc nulls last, l.owned_since desc
    limit 1
) as lead on true
left join employees as r on r.employee_id = lead.owner_id
left join lateral (
    -- A survey wave's letters carry the recipient's personal link; NULL for other campaigns.
    select i.token from survey_invitations as i
    where i.person_id = c.person_id and i.survey_wave_id = (
        select w.survey_wave_id from survey_waves as w where w.campaign_id = :campaign_id
    )
    order by i.survey_invitation_id
    limit 1
) as si on true
order by c.campaign_send_id

-- name: mark_sending
-- Purpose: a letter about to go, on the connection about to send it (never a letter ahead of
-- its connection): committed before the server sees its data, so a kill from here on leaves
-- the row 'sending' (then 'unknown'), never silently 'pending'. Suppressions (by address or
-- person, as skip_suppressed) are checked here once more, so an unsubscribe during a run takes
-- effect before the next letter: such a row is skipped instead.
-- Side effects: updates campaign_sends rows.
update campaign_sends as s
set status = cast(case when x.reason is null then 'sending' else 'skipped' end as send_status),
    attempts = s.attempts + case when x.reason is null then 1 else 0 end,
    last_error = case
        when x.reason is null then s.last_error
        else 'suppressed before sending: ' || x.reason
    end
from (
    select p.campaign_send_id, (
        select sp.reason::text from suppressions as sp
        where sp.email = p.email or sp.person_id = p.person_id
        limit 1
    ) as reason
    from campaign_sends as p
    where p.campaign_send_id = any(cast(:mark_ids as bigint[]))
) as x
where s.campaign_send_id = x.campaign_send_id and s.claimed_by = :run_key
  and s.status = 'pending'
returning s.campaign_send_id, s.status::text

-- name: record_outcomes
-- Purpose: what the SMTP server answered, for a group of rows at once. 'retry' goes back to
-- pending until next_attempt_at (failed once :max_attempts were made); a row only becomes
-- 'sent' here, after the server took it.
-- Side effects: updates campaign_sends.
update campaign_sends as s
set status = cast(
        case
            when o.status = 'retry' and s.attempts >= :max_attempts then 'failed'
            when o.status = 'retry' then 'pending'
            else o.status
        end as send_status
    ),
    smtp_code = o.code,
    last_error = o.detail,
    message_id = coalesce(o.message_id, s.message_id),
    sent_at = case when o.status = 'sent' then now() end,
    next_attempt_at = case when o.status = 'retry' then now() + make_interval(secs => o.wait) end,
    claimed_by = null
from unnest(
    cast(:ids as bigint[]), cast(:statuses as text[]), cast(:codes as integer[]),
    cast(:details as text[]), cast(:message_ids as text[]), cast(:waits as double precision[])
) as o (id, status, code, detail, message_id, wait)
-- 'pending' too: a letter that could not be made fails without ever being marked 'sending'.
where s.campaign_send_id = o.id and s.status in ('sending', 'pending')
  and s.claimed_by = :run_key

-- name: release_unsent
-- Purpose: claimed rows this run never tried (it stopped early) are free again, untouched.
-- Side effects: updates campaign_sends.
update campaign_sends
set claimed_by = null
where campaign_send_id = any(:ids) and status = 'pending' and claimed_by = :run_key

-- name: open_rows
-- Purpose: what is left of a campaign: rows not yet in a final state, and the next retry time.
-- Side effects: none.
select count(*) as open_rows, min(next_attempt_at) as next_attempt_at
from campaign_sends
where campaign_id = :campaign_id and is_open

-- name: sent_last_hour
-- Purpose: letters of every campaign accepted in the last hour, for an hourly provider cap.
-- Side effects: none.
select count(*) from campaign_sends
where status = 'sent' and sent_at > now() - interval '1 hour'

-- name: ledger_counts
-- Purpose: a campaign's rows per state, for `crm campaign show` and the flow's artifact.
-- Side effects: none.
select status::text, count(*) from campaign_sends
where campaign_id = :campaign_id
group by 1
order by 1

-- name: suppress_bounced
-- Purpose: a hard bounce (the server said the mailbox does not exist) suppresses the address
-- for every later campaign.
-- Side effects: inserts suppressions.
insert into suppressions (email, person_id, reason, source)
select s.email, s.person_id, 'bounced', 'campaign ' || s.campaign_id || ': ' || left(s.last_error, 150)
from campaign_sends as s
where s.campaign_send_id = any(cast(:bounced_ids as bigint[])) and s.email is not null
on conflict (email) do nothing

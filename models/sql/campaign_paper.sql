-- name: fill_paper_ledger
-- Purpose: the ledger rows of one issue of a paper campaign, created once, without an e-mail
-- address. The audience is fill_ledger's (campaign_audience.sql): a person of the list, an
-- organisation of the list standing for its primary contact, else its latest one. A person
-- with a current employment is written to at that organisation's postal address (one with
-- an address first, then where they are the primary contact, then the oldest: paper_letters
-- makes the same choice when it prints), anyone else at their own. People outside the
-- campaign's line, without a postal address (street and postcode), or suppressed are recorded
-- as skipped with why; a bounced e-mail address says nothing about the post, so it does not
-- count here. Reruns add nobody twice (ON CONFLICT DO NOTHING on the ledger's unique keys).
-- Side effects: inserts campaign_sends.
with members as (
    select * from list_audience(:list_id, cast(:segment_orgs as bigint []))
),

recipients as (
    -- The organisations a person is on the list for: the line and suppressions look at them.
    select m.person_id, array_remove(array_agg(m.organisation_id), null) as organisation_ids
    from members as m
    group by m.person_id
),

addressed as (
    select
        r.person_id,
        r.organisation_ids || work.organisation_id as organisation_ids,
        array_remove(p.emails || work.work_email, null) as emails,
        case when work.organisation_id is null then p.address else work.address end as address,
        case when work.organisation_id is null then p.postcode else work.postcode end as postcode
    from recipients as r
    join persons as p on p.person_id = r.person_id
    left join lateral (
        select o.organisation_id, o.address, o.postcode, e.work_email
        from employments as e
        join organisations as o on o.organisation_id = e.organisation_id
        where e.person_id = r.person_id and e.ended_date is null
        order by
            (coalesce(btrim(o.address), '') = '' or coalesce(btrim(o.postcode), '') = ''),
            e.is_primary_contact desc,
            e.employment_id
        limit 1
    ) as work on true
),

judged as (
    select
        a.person_id,
        case
            when cast(:line_id as bigint) is not null and not exists (
                select 1 from leads as l
                where l.line_id = :line_id
                  and (l.person_id = a.person_id or l.organisation_id = any(a.organisation_ids))
            ) then 'not a client of the campaign''s line'
            when coalesce(btrim(a.address), '') = '' or coalesce(btrim(a.postcode), '') = ''
                then 'no postal address'
            when sup.reason is not null then 'suppressed: ' || sup.reason
        end as excluded
    from addressed as a
    left join lateral (
        select s.reason::text as reason
        from suppressions as s
        where s.reason <> 'bounced'
          and (
              s.person_id = a.person_id
              or s.organisation_id = any(a.organisation_ids)
              or s.email = any(a.emails)
          )
        order by s.suppression_id
        limit 1
    ) as sup on true
),

final as (
    select
        person_id,
        case when excluded is null then 'pending' else 'skipped' end as status,
        excluded as reason
    from judged
)

insert into campaign_sends (
    campaign_id, occurrence, person_id, email, status, last_error, unsubscribe_token
)
select
    :campaign_id, :occurrence, person_id, null, cast(status as send_status), reason,
    -- As fill_ledger: two random UUIDs from PostgreSQL's strong generator, unguessable.
    replace(gen_random_uuid()::text || gen_random_uuid()::text, '-', '')
from final
on conflict do nothing

-- name: lock_issue
-- Purpose: one printing run per issue at a time, until its transaction ends: two runs at once
-- would each write the issue's file and one could overwrite letters the other marked printed.
-- Side effects: takes a transaction-level advisory lock (waits for a running print).
select pg_advisory_xact_lock(
    hashtext('campaign-print'), hashtext(cast(:campaign_id as text) || '/' || :occurrence)
)

-- name: printed_runs
-- Purpose: how many printing runs of an issue have marked letters: each marks its rows in one
-- statement, so its rows share one sent_at. The next run's file is numbered after them, and a
-- run that died before marking is repeated under the same number, into the same file.
-- Side effects: none.
select count(distinct sent_at) as runs
from campaign_sends
where campaign_id = :campaign_id and occurrence = :occurrence and status = 'sent'

-- name: paper_letters
-- Purpose: the issue's pending paper letters, in ledger order, each with what its letter
-- needs (the columns of campaign_sending.sql's claim, which LetterMaker reads) and its postal
-- block. The organisation is chosen as fill_paper_ledger chose it. Suppressions are checked
-- again at print time (`suppressed` names the reason); an address removed since the ledger
-- was filled shows as an empty postal_address.
-- Side effects: none.
select
    s.campaign_send_id, s.occurrence, s.occasion, s.unsubscribe_token, s.person_id,
    p.first_name, p.middle_name, p.last_name, p.gender::text as gender, p.locale,
    work.name as organisation_name, work.legal_form, work.city, work.address, work.website,
    work.phone as organisation_phone,
    case when work.organisation_id is null then p.address else work.address end
        as postal_address,
    case when work.organisation_id is null then p.city else work.city end as postal_city,
    case when work.organisation_id is null then p.postcode else work.postcode end
        as postal_postcode,
    sup.reason as suppressed,
    r.full_name as rep_name, r.email as rep_email, r.phone as rep_phone
from campaign_sends as s
join persons as p on p.person_id = s.person_id
left join lateral (
    select
        o.organisation_id, o.name, o.legal_form, o.city, o.address, o.postcode, o.website,
        o.phones[1] as phone, e.work_email
    from employments as e
    join organisations as o on o.organisation_id = e.organisation_id
    where e.person_id = s.person_id and e.ended_date is null
    order by
        (coalesce(btrim(o.address), '') = '' or coalesce(btrim(o.postcode), '') = ''),
        e.is_primary_contact desc,
        e.employment_id
    limit 1
) as work on true
left join lateral (
    select s2.reason::text as reason
    from suppressions as s2
    where s2.reason <> 'bounced'
      and (
          s2.person_id = s.person_id
          or s2.organisation_id = work.organisation_id
          or s2.email = any(array_remove(p.emails || work.work_email, null))
      )
    order by s2.suppression_id
    limit 1
) as sup on true
left join lateral (
    select l.owner_id from leads as l
    where l.status = 'open' and l.owner_id is not null
      and (l.person_id = s.person_id or l.organisation_id = work.organisation_id)
    order by (l.line_id = :line_id) desc nulls last, l.owned_since desc
    limit 1
) as lead on true
left join employees as r on r.employee_id = lead.owner_id
where s.campaign_id = :campaign_id and s.occurrence = :occurrence and s.status = 'pending'
order by s.campaign_send_id

-- name: record_printed
-- Purpose: after the issue's file is in place, its letters become 'sent' and the letters that
-- could not be printed 'skipped' with why, all in one statement (one sent_at per run, which
-- printed_runs counts). Only rows still pending move, so a repeat changes nothing.
-- Side effects: updates campaign_sends.
update campaign_sends as s
set status = cast(o.status as send_status),
    last_error = o.reason,
    sent_at = case when o.status = 'sent' then now() end
from unnest(
    cast(:ids as bigint []), cast(:statuses as text []), cast(:reasons as text [])
) as o (id, status, reason)
where s.campaign_send_id = o.id and s.status = 'pending'
returning s.status::text

-- name: fill_ledger
-- Purpose: the ledger rows of one campaign issue, created once: a person of the list (an
-- organisation of the list stands for its primary contact, else its latest one), with the
-- address the letter goes to; people outside the campaign's line, without an address, already
-- written to at that address in this issue, or suppressed are recorded as skipped with why.
-- Reruns add nobody twice (ON CONFLICT DO NOTHING on the ledger's unique keys).
-- Side effects: inserts campaign_sends.
with listed_orgs as (
    select lm.organisation_id
    from list_members as lm
    where lm.list_id = :list_id and lm.person_id is null
    union
    select unnest(cast(:segment_orgs as bigint []))
),

members as (
    select lm.person_id, null::bigint as organisation_id
    from list_members as lm
    where lm.list_id = :list_id and lm.person_id is not null
    union
    select c.person_id, o.organisation_id
    from listed_orgs as o
    cross join lateral (
        select e.person_id
        from employments as e
        where e.organisation_id = o.organisation_id and e.ended_date is null
        order by e.is_primary_contact desc, e.employment_id desc
        limit 1
    ) as c
),

addressed as (
    select distinct on (m.person_id)
        m.person_id,
        m.organisation_id,
        lower(coalesce(e.work_email, p.emails[1])) as email
    from members as m
    join persons as p on p.person_id = m.person_id
    left join employments as e
        on e.person_id = m.person_id and e.organisation_id = m.organisation_id
    order by m.person_id, (e.work_email is null), m.organisation_id
),

judged as (
    select
        a.*,
        case
            when cast(:line_id as bigint) is not null and not exists (
                select 1 from leads as l
                where l.line_id = :line_id
                  and (l.person_id = a.person_id or l.organisation_id = a.organisation_id)
            ) then 'not a client of the campaign''s line'
            when a.email is null then 'no e-mail address'
            when a.email !~ '^[^@\s]+@[^@\s]+\.[^@\s]+$' then 'malformed e-mail address'
            when exists (
                select 1 from suppressions as s
                where s.email = a.email or s.person_id = a.person_id
                   or s.organisation_id = a.organisation_id
            ) then 'suppressed: unsubscribed, bounced or do-not-contact'
        end as excluded,
        row_number() over (partition by a.email order by a.person_id) as nth
    from addressed as a
),

final as (
    select
        person_id,
        case when excluded is null and nth = 1 then email end as email,
        case
            when excluded is not null then 'skipped'
            when nth > 1 then 'skipped'
            else 'pending'
        end as status,
        coalesce(
            excluded,
            case when nth > 1 then 'the same address as another recipient: ' || email end
        ) as reason
    from judged
)

insert into campaign_sends (
    campaign_id, occurrence, person_id, email, status, last_error, unsubscribe_token
)
select
    :campaign_id, :occurrence, person_id, email, cast(status as send_status), reason,
    -- Two random UUIDs from PostgreSQL's strong generator: 244 random bits, unguessable.
    replace(gen_random_uuid()::text || gen_random_uuid()::text, '-', '')
from final
on conflict do nothing

-- name: audience_counts
-- Purpose: how many of an issue's ledger rows are in each state, and why rows were skipped.
-- Side effects: none.
select status::text, coalesce(last_error, '') as reason, count(*) as n
from campaign_sends
where campaign_id = :campaign_id and occurrence = :occurrence
group by 1, 2
order by 1, 3 desc

-- name: audience_rows
-- Purpose: the recipients of an issue with their state, for `crm campaign audience`.
-- Side effects: none.
select s.person_id, concat_ws(' ', p.last_name, p.first_name, p.middle_name) as name,
    s.email, s.status::text, s.last_error
from campaign_sends as s
join persons as p on p.person_id = s.person_id
where s.campaign_id = :campaign_id and s.occurrence = :occurrence
order by s.status, s.campaign_send_id
limit :limit

-- name: fill_ledger
-- Purpose: the ledger rows of one campaign issue, created once: a person of the list (an
-- organisation of the list stands for its primary contact, else its latest one), with the
-- address the letter goes to; people outside the campaign's line, without an address, already
-- written to at that address in this issue, or suppressed are recorded as skipped with why.
-- A greeting campaign (:greeting set) takes only the people with an occasion on the greeted
-- dates (:months/:days, two dates on 28 February of a common year, for 29 February): each row
-- keyed by the year and the occasion, so a person is greeted once per occasion per year.
-- Reruns add nobody twice (ON CONFLICT DO NOTHING on the ledger's unique keys).
-- Side effects: inserts campaign_sends.
with members as (
    select * from list_audience(:list_id, cast(:segment_orgs as bigint []))
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

greeted_dates as (
    select *
    from unnest(cast(:months as int []), cast(:days as int [])) as t (month, day)
),

anniversaries as (
    -- A company's founding date, or a date recorded as its anniversary: one per company.
    select distinct on (o.organisation_id)
        o.organisation_id,
        coalesce(extract(year from o.founded_date), u.year) as founded_year
    from organisations as o
    left join useful_dates as u
        on u.organisation_id = o.organisation_id and u.kind = 'company_anniversary'
    join greeted_dates as g
        on (g.month, g.day) = (extract(month from o.founded_date), extract(day from o.founded_date))
        or (g.month, g.day) = (u.month, u.day)
    where cast(:greeting as text) = 'company_anniversary'
      and o.organisation_id in (select organisation_id from addressed)
    order by o.organisation_id, o.founded_date nulls last
),

occasions as (
    -- A one-off or recurring issue: everyone, under the issue's key.
    select a.*, cast(:occurrence as text) as occurrence, cast(null as text) as occasion
    from addressed as a
    where cast(:greeting as text) is null
    union all
    select a.*, cast(:year as text), 'день рождения'
    from addressed as a
    join persons as p on p.person_id = a.person_id
    join greeted_dates as g
        on (g.month, g.day) = (extract(month from p.birth_date), extract(day from p.birth_date))
    where cast(:greeting as text) = 'birthday'
    union all
    select a.*, concat_ws(':', :year, 'd' || u.useful_date_id), u.title
    from addressed as a
    join useful_dates as u on u.person_id = a.person_id and u.kind = 'family_date'
    join greeted_dates as g on (g.month, g.day) = (u.month, u.day)
    where cast(:greeting as text) = 'family_date'
    union all
    select
        a.*,
        concat_ws(':', :year, 'o' || a.organisation_id),
        coalesce(
            y.years || ' '
            || case
                when y.years % 10 = 1 and y.years % 100 <> 11 then 'год'
                when y.years % 10 between 2 and 4 and y.years % 100 not between 12 and 14
                    then 'года'
                else 'лет'
            end || ' со дня основания',
            'годовщина основания компании'
        )
    from addressed as a
    join anniversaries as an on an.organisation_id = a.organisation_id
    cross join lateral (
        select cast(:year as int) - cast(an.founded_year as int) as years
    ) as y
    where y.years is null or y.years > 0
    union all
    select a.*, concat_ws(':', :year, 'h' || h.holiday_id), h.name
    from addressed as a
    join organisations as o on o.organisation_id = a.organisation_id
    join unnest(
        cast(:holiday_ids as bigint []), cast(:holiday_names as text []),
        cast(:holiday_industries as text [])
    ) as h (holiday_id, name, industry)
        on h.industry is null or h.industry = o.industry
    where cast(:greeting as text) = 'professional_holiday'
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
        row_number() over (partition by a.occurrence, a.email order by a.person_id) as nth
    from occasions as a
),

final as (
    select
        person_id,
        occurrence,
        occasion,
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
    campaign_id, occurrence, occasion, person_id, email, status, last_error, unsubscribe_token
)
select
    :campaign_id, occurrence, occasion, person_id, email, cast(status as send_status), reason,
    -- Two random UUIDs from PostgreSQL's strong generator: 244 random bits, unguessable.
    replace(gen_random_uuid()::text || gen_random_uuid()::text, '-', '')
from final
on conflict do nothing

-- name: audience_counts
-- Purpose: how many of an issue's ledger rows are in each state, and why rows were skipped.
-- :occurrence is a LIKE pattern: an issue's key, or '2027%' for a greeting campaign's year.
-- Side effects: none.
select status::text, coalesce(last_error, '') as reason, count(*) as n
from campaign_sends
where campaign_id = :campaign_id and occurrence like :occurrence
group by 1, 2
order by 1, 3 desc

-- name: audience_rows
-- Purpose: the recipients of an issue with their state, for `crm campaign audience`.
-- Side effects: none.
select s.person_id, concat_ws(' ', p.last_name, p.first_name, p.middle_name) as name,
    s.email, s.status::text, s.last_error
from campaign_sends as s
join persons as p on p.person_id = s.person_id
where s.campaign_id = :campaign_id and s.occurrence like :occurrence
order by s.status, s.campaign_send_id
limit :limit

-- name: analyze_ledger
-- Purpose: the ledger's statistics, brought up to date after a large fill (in the filling
-- transaction, which sees its own rows). Until autovacuum came round, the planner took the
-- campaign's thousands of new open rows for a few and sorted them all for each claimed batch
-- (200 ms a batch at 100,000 letters, instead of under 1 ms through the open-rows index).
-- Side effects: updates campaign_sends' planner statistics.
analyze campaign_sends

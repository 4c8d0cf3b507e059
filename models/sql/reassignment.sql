-- The three-month rule. Dates are business dates in :tz, so "three calendar months" ends on
-- the same day-of-month three months later (31 Jan -> 30 Apr; 30 Nov -> 28/29 Feb).

-- name: lead_clock
-- Purpose: open, owned leads of the scope whose current ownership ends (stale_on) on or before
-- :horizon, with the day it becomes stale, its verdict (stale / protected / frozen) and
-- everyone who owned it before. Leads with a deal won during the ownership are left out.
-- Side effects: none. The owned_since bound lets the partial index on open leads do the work;
-- four days of slack cover months that are shorter than the one the ownership started in.
with open_leads as (
    select
        l.lead_id,
        l.line_id,
        l.owner_id,
        l.owned_since,
        l.is_frozen,
        s.is_protected,
        ((l.owned_since at time zone :tz)::date
            + make_interval(months => :months, days => :days))::date as stale_on
    from leads as l
    join sales_stages as s on s.stage_id = l.stage_id
    where l.status = 'open'
      and l.owner_id is not null
      and (cast(:line_id as bigint) is null or l.line_id = :line_id)
      and l.owned_since < (cast(:horizon as date) + 5)::timestamp at time zone :tz
          - make_interval(months => :months, days => :days)
),

due as (
    select * from open_leads where stale_on <= :horizon
),

unwon as (
    select due.*
    from due
    where not exists (
        select 1 from deals as d where d.lead_id = due.lead_id and d.won_at >= due.owned_since
    )
),

previous as (
    select oc.lead_id, array_agg(distinct o.owner_id) as previous_owner_ids
    from ownership_changes as oc
    join unwon as u on u.lead_id = oc.lead_id
    cross join lateral (values (oc.from_owner_id), (oc.to_owner_id)) as o (owner_id)
    where o.owner_id is not null and o.owner_id <> u.owner_id
    group by oc.lead_id
),

final as (
    select
        u.lead_id,
        u.line_id,
        u.owner_id,
        u.owned_since,
        u.stale_on,
        case when u.is_frozen then 'frozen' when u.is_protected then 'protected'
             else 'stale' end as verdict,
        coalesce(p.previous_owner_ids, '{}') as previous_owner_ids
    from unwon as u
    left join previous as p on p.lead_id = u.lead_id
)

select * from final order by line_id, owned_since, lead_id

-- name: eligible_reps
-- Purpose: reps who may receive leads on :as_of: active, with the rep role in the line, not on
-- leave that day; with their cap and their open leads in every line (capacity is per person).
-- Side effects: none.
with reps as (
    select el.line_id, e.employee_id, e.full_name, e.capacity
    from employee_lines as el
    join employees as e on e.employee_id = el.employee_id
    where el.role = 'rep'
      and e.is_active
      and (cast(:line_id as bigint) is null or el.line_id = :line_id)
      and not exists (
          select 1 from leave_periods as lp
          where lp.employee_id = e.employee_id and :as_of between lp.starts_on and lp.ends_on
      )
),

loads as (
    select owner_id, count(*) as open_leads
    from leads
    where status = 'open' and owner_id in (select employee_id from reps)
    group by owner_id
),

final as (
    select r.*, coalesce(ld.open_leads, 0) as open_leads
    from reps as r
    left join loads as ld on ld.owner_id = r.employee_id
)

select * from final order by line_id, employee_id

-- name: last_round_robin_receivers
-- Purpose: per line, the rep who last received a lead from the rule, so round-robin carries on
-- where the previous run stopped instead of always starting with the same rep.
-- Side effects: none.
select distinct on (i.line_id) i.line_id, i.to_owner_id
from reassignment_items as i
join reassignment_plans as p on p.plan_id = i.plan_id
where p.status = 'applied' and i.is_applied and i.to_owner_id is not null
  and (cast(:line_id as bigint) is null or i.line_id = :line_id)
order by i.line_id, i.plan_id desc, i.position desc

-- name: apply_plan
-- Purpose: hand over every lead of plan :plan_id that is still as the plan saw it: the same
-- owner and ownership start, the same line, open, not frozen, not moved to a protected stage,
-- nothing won; and whose new owner is still an active rep of the line, not on leave on
-- :today (a manual approval can come a day later). Restart its clock, write one history row
-- per actual change, mark the item applied.
-- Side effects: updates leads, inserts ownership_changes, updates reassignment_items. A lead
-- changed meanwhile (by a person or a concurrent run) fails the WHERE and is left alone, so
-- applying twice changes nothing the second time.
with targets as (
    select lead_id, line_id, from_owner_id, owned_since, to_owner_id
    from reassignment_items
    where plan_id = :plan_id and not is_applied
),

changed as (
    update leads as l
    set owner_id = t.to_owner_id, owned_since = :now
    from targets as t, sales_stages as s
    where l.lead_id = t.lead_id
      and s.stage_id = l.stage_id
      and l.owner_id = t.from_owner_id
      and l.owned_since = t.owned_since
      and l.line_id = t.line_id
      and l.status = 'open'
      and not l.is_frozen
      and not s.is_protected
      and not exists (
          select 1 from deals as d where d.lead_id = l.lead_id and d.won_at >= t.owned_since
      )
      and (t.to_owner_id is null or exists (
          select 1
          from employees as e
          join employee_lines as el
              on el.employee_id = e.employee_id and el.line_id = t.line_id and el.role = 'rep'
          where e.employee_id = t.to_owner_id
            and e.is_active
            and not exists (
                select 1 from leave_periods as lp
                where lp.employee_id = e.employee_id and :today between lp.starts_on and lp.ends_on
            )
      ))
    returning l.lead_id, t.from_owner_id, t.to_owner_id
),

history as (
    insert into ownership_changes
        (lead_id, from_owner_id, to_owner_id, reason, decided_by_id, note, changed_at)
    select lead_id, from_owner_id, to_owner_id, 'stale_rule', :decided_by_id, :note, :now
    from changed
    returning lead_id
)

update reassignment_items as i
set is_applied = true
from history as h
where i.plan_id = :plan_id and i.lead_id = h.lead_id

-- name: plan_letters
-- Purpose: every applied item of plan :plan_id with what its new owner needs before the first
-- call: the client, the stage, the last contact and the next planned contact.
-- Side effects: none.
with items as (
    select i.lead_id, i.line_id, i.from_owner_id, i.to_owner_id, i.position
    from reassignment_items as i
    where i.plan_id = :plan_id and i.is_applied
),

contacts as (
    select
        a.lead_id,
        max(a.held_at) as last_contact_at,
        min(a.planned_at) filter (where a.status = 'planned' and a.planned_at >= now())
            as next_planned_at,
        min(a.next_contact_date) filter (where a.next_contact_date >= current_date)
            as next_contact_date
    from activities as a
    where a.lead_id in (select lead_id from items)
    group by a.lead_id
),

final as (
    select
        it.lead_id,
        bl.name as line,
        it.from_owner_id,
        it.to_owner_id,
        coalesce(o.name, concat_ws(' ', p.last_name, p.first_name, p.middle_name)) as client,
        s.name as stage,
        c.last_contact_at,
        coalesce(c.next_planned_at::date, c.next_contact_date) as next_contact
    from items as it
    join leads as l on l.lead_id = it.lead_id
    join business_lines as bl on bl.line_id = it.line_id
    join sales_stages as s on s.stage_id = l.stage_id
    left join organisations as o on o.organisation_id = l.organisation_id
    left join persons as p on p.person_id = l.person_id
    left join contacts as c on c.lead_id = it.lead_id
)

select * from final order by line, client, lead_id

-- name: pending_warnings
-- Purpose: warnings not yet sent for leads that will still go: same ownership, open, not
-- frozen or protected since, nothing won. With the client's name for the digest.
-- Side effects: none.
select
    w.lead_id,
    w.owned_since,
    w.owner_id,
    w.stale_on,
    coalesce(o.name, concat_ws(' ', p.last_name, p.first_name, p.middle_name)) as client
from stale_warnings as w
join leads as l
    on l.lead_id = w.lead_id and l.owned_since = w.owned_since and l.owner_id = w.owner_id
join sales_stages as s on s.stage_id = l.stage_id
left join organisations as o on o.organisation_id = l.organisation_id
left join persons as p on p.person_id = l.person_id
where w.sent_at is null
  and l.status = 'open'
  and not l.is_frozen
  and not s.is_protected
  and not exists (
      select 1 from deals as d where d.lead_id = l.lead_id and d.won_at >= l.owned_since
  )
order by w.owner_id, w.stale_on, client

-- name: plan_rows
-- Purpose: the first :limit items of plan :plan_id, with client and people by name.
-- Side effects: none.
select
    i.lead_id,
    coalesce(o.name, concat_ws(' ', p.last_name, p.first_name, p.middle_name)) as client,
    fe.full_name as from_owner,
    coalesce(te.full_name, 'the line''s pool') as to_owner,
    i.explanation
from reassignment_items as i
join leads as l on l.lead_id = i.lead_id
left join organisations as o on o.organisation_id = l.organisation_id
left join persons as p on p.person_id = l.person_id
join employees as fe on fe.employee_id = i.from_owner_id
left join employees as te on te.employee_id = i.to_owner_id
where i.plan_id = :plan_id
order by i.position
limit :limit

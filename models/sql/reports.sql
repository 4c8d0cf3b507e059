-- Reports: the management report of a period, the satisfaction report of a survey wave and the
-- client summary. Every figure is an aggregate computed here; Python only lays rows out.
--
-- A period is [:from_at, :to_at) in UTC, made from business dates in TIME_ZONE; :due_before is
-- the business date of :to_at (the day after the period's last day). "At the end of the
-- period" means at :to_at: a lead is open then when it was created before and not closed
-- before, and its owner and stage then are read back from the append-only ownership and stage
-- histories (ownership_changes, lead_stage_changes).
-- :line_id NULL means every line.

-- name: report_settings
-- Purpose: settings for the rest of the report's transaction: no JIT (a report runs a dozen
-- queries once each: compiling them costs seconds and saves less), and enough work memory
-- for the per-lead hashes and sorts of a large base to stay in memory instead of spilling to
-- temporary files.
-- Side effects: changes this transaction's jit and work_mem (SET LOCAL semantics).
select set_config('jit', 'off', true), set_config('work_mem', '64MB', true)

-- name: forget_lead_facts
-- Purpose: a second management report in the same transaction starts afresh.
-- Side effects: drops the temporary table report_lead_facts if this session has one.
drop table if exists pg_temp.report_lead_facts

-- name: lead_facts
-- Purpose: one row per lead open at the end of the period: its line, its owner then, its
-- stage then and the days it had been in it, days open, days since its last contact (a call,
-- e-mail or meeting held;
-- since it was created when there was none), whether a next contact was overdue then (a
-- contact planned before :to_at and not held by then, or the last contact's next-contact date
-- before :due_before with nothing planned after :to_at) and whether it is stuck (no contact
-- for more than :stuck_days days).
-- Side effects: creates the temporary table report_lead_facts, dropped at the end of the
-- transaction: the other management queries read it, so the activities are read once.
create temporary table report_lead_facts on commit drop as
with scope_leads as (
    select l.lead_id, l.line_id, l.owner_id, l.stage_id, l.created_at
    from leads as l
    where l.created_at < :to_at
      and (l.closed_at is null or l.closed_at >= :to_at)
      and (cast(:line_id as bigint) is null or l.line_id = :line_id)
),

later_owners as (
    -- A lead that changed hands after :to_at was held then by whom the first later change
    -- took it from (ix_ownership_changes_changed_at: only changes after the period are read).
    select distinct on (oc.lead_id) oc.lead_id, oc.from_owner_id
    from ownership_changes as oc
    where oc.changed_at >= :to_at
    order by oc.lead_id, oc.changed_at, oc.ownership_change_id
),

stays as (
    -- The stage each lead was in at :to_at and since when: its last change before then.
    -- Descending on the whole key of ix_lead_stage_changes_lead_changed_at: a backward
    -- index-only scan, no sort; the id orders changes made in one transaction.
    select distinct on (h.lead_id) h.lead_id, h.to_stage_id, h.changed_at
    from lead_stage_changes as h
    where h.changed_at < :to_at
    order by h.lead_id desc, h.changed_at desc, h.lead_stage_change_id desc
),

last_contacts as (
    -- Descending on both keys: a backward scan of the covering contacts index, no sort.
    select distinct on (a.lead_id) a.lead_id, a.held_at, a.next_contact_date
    from activities as a
    where a.status = 'done' and a.kind <> 'note' and a.held_at < :to_at
    order by a.lead_id desc, a.held_at desc
),

open_plans as (
    -- Contacts planned and not held yet at :to_at; a no-show or a cancellation is an outcome.
    select
        a.lead_id,
        bool_or(a.planned_at < :to_at) as has_missed_plan,
        bool_or(a.planned_at >= :to_at) as has_next_plan
    from activities as a
    where a.planned_at is not null
      and a.created_at < :to_at
      and (a.status = 'planned' or a.status = 'done' and a.held_at >= :to_at)
    group by a.lead_id
),

final as (
    select
        s.lead_id,
        s.line_id,
        case when lo.lead_id is null then s.owner_id else lo.from_owner_id end as owner_id,
        -- A lead with no history row (loaded with the triggers off) is in its stage since it
        -- was created, as migration 0008 assumed for the leads it found.
        coalesce(st.to_stage_id, s.stage_id) as stage_id,
        date_part('epoch', cast(:to_at as timestamptz) - coalesce(st.changed_at, s.created_at))
            / 86400 as days_in_stage,
        s.created_at,
        lc.held_at as last_contact_at,
        -- date_part, not extract: a double, not a numeric, for the sorts of the medians.
        date_part('epoch', cast(:to_at as timestamptz) - s.created_at) / 86400 as days_open,
        date_part('epoch', cast(:to_at as timestamptz) - coalesce(lc.held_at, s.created_at))
            / 86400 as days_idle,
        coalesce(p.has_missed_plan, false)
            or coalesce(lc.next_contact_date < :due_before, false)
            and not coalesce(p.has_next_plan, false) as is_overdue
    from scope_leads as s
    left join later_owners as lo on lo.lead_id = s.lead_id
    left join stays as st on st.lead_id = s.lead_id
    left join last_contacts as lc on lc.lead_id = s.lead_id
    left join open_plans as p on p.lead_id = s.lead_id
)

select *, days_idle > :stuck_days as is_stuck from final

-- name: rep_workload
-- Purpose: per line and person (reps of the line, anyone who logged a contact there, and the
-- unassigned pool as a NULL employee): open leads, overdue next contacts and stuck leads at
-- the end of the period (from report_lead_facts, by the owner then); leads created in the
-- period (by their owner at its end); calls, e-mails and meetings held in the period by who
-- logged them; meetings planned for the period (by their planned time, else the time held)
-- with their outcome as recorded: held, no-show, cancelled, still open; the no-show rate
-- (no-shows / (held + no-shows)); deals won (money received) by the owner when won; leads
-- taken from and given to the person by reassignments in the period. With a total row per
-- line (is_total) and one for all lines (is_total, line_id NULL).
-- Side effects: none; reads report_lead_facts (run `lead_facts` first, same transaction).
with later_owners as (
    select distinct on (oc.lead_id) oc.lead_id, oc.from_owner_id
    from ownership_changes as oc
    where oc.changed_at >= :to_at
    order by oc.lead_id, oc.changed_at, oc.ownership_change_id
),

open_leads as (
    select
        f.line_id,
        f.owner_id as employee_id,
        count(*) as open_leads,
        count(*) filter (where f.is_overdue) as overdue_contacts,
        count(*) filter (where f.is_stuck) as stuck_leads
    from report_lead_facts as f
    group by f.line_id, f.owner_id
),

new_leads as (
    select
        l.line_id,
        case when lo.lead_id is null then l.owner_id else lo.from_owner_id end as employee_id,
        count(*) as new_leads
    from leads as l
    left join later_owners as lo on lo.lead_id = l.lead_id
    where l.created_at >= :from_at and l.created_at < :to_at
      and (cast(:line_id as bigint) is null or l.line_id = :line_id)
    group by 1, 2
),

period_activities as (
    -- Two index ranges: contacts held in the period, meetings planned for it.
    select
        a.employee_id,
        l.line_id,
        a.kind,
        a.status,
        a.held_at >= :from_at and a.held_at < :to_at as is_held_in_period,
        coalesce(a.planned_at, a.held_at) >= :from_at
            and coalesce(a.planned_at, a.held_at) < :to_at as is_due_in_period
    from activities as a
    join leads as l on l.lead_id = a.lead_id
    where (
        a.held_at >= :from_at and a.held_at < :to_at
        or a.kind = 'meeting' and a.planned_at >= :from_at and a.planned_at < :to_at
    )
      and (cast(:line_id as bigint) is null or l.line_id = :line_id)
),

contacts as (
    select
        line_id,
        employee_id,
        count(*) filter (where is_held_in_period and status = 'done' and kind = 'call') as calls,
        count(*) filter (where is_held_in_period and status = 'done' and kind = 'email') as emails,
        count(*) filter (where is_held_in_period and status = 'done' and kind = 'meeting')
            as meetings,
        count(*) filter (where kind = 'meeting' and is_due_in_period) as meetings_planned,
        count(*) filter (where kind = 'meeting' and is_due_in_period and status = 'done')
            as meetings_held,
        count(*) filter (where kind = 'meeting' and is_due_in_period and status = 'no_show')
            as no_shows,
        count(*) filter (where kind = 'meeting' and is_due_in_period and status = 'cancelled')
            as meetings_cancelled,
        count(*) filter (where kind = 'meeting' and is_due_in_period and status = 'planned')
            as meetings_open
    from period_activities
    group by line_id, employee_id
),

won as (
    select l.line_id, coalesce(w.owner_id, l.owner_id) as employee_id, count(*) as won_deals
    from deals as d
    join leads as l on l.lead_id = d.lead_id
    left join lateral (
        select oc.from_owner_id as owner_id
        from ownership_changes as oc
        where oc.lead_id = d.lead_id and oc.changed_at > d.won_at
        order by oc.changed_at, oc.ownership_change_id
        limit 1
    ) as w on true
    where d.won_at >= :from_at and d.won_at < :to_at
      and (cast(:line_id as bigint) is null or l.line_id = :line_id)
    group by 1, 2
),

moves as (
    select l.line_id, oc.from_owner_id, oc.to_owner_id
    from ownership_changes as oc
    join leads as l on l.lead_id = oc.lead_id
    where oc.changed_at >= :from_at and oc.changed_at < :to_at
      and oc.from_owner_id is not null
      and (cast(:line_id as bigint) is null or l.line_id = :line_id)
),

reps as (
    select el.line_id, el.employee_id
    from employee_lines as el
    join employees as e on e.employee_id = el.employee_id
    where el.role = 'rep' and e.is_active
      and (cast(:line_id as bigint) is null or el.line_id = :line_id)
),

figures as (
    select line_id, employee_id, open_leads, overdue_contacts, stuck_leads,
        0 as new_leads, 0 as calls, 0 as emails, 0 as meetings, 0 as meetings_planned,
        0 as meetings_held, 0 as no_shows, 0 as meetings_cancelled, 0 as meetings_open,
        0 as won_deals, 0 as leads_taken, 0 as leads_received
    from open_leads
    union all
    select line_id, employee_id, 0, 0, 0, new_leads, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0
    from new_leads
    union all
    select line_id, employee_id, 0, 0, 0, 0, calls, emails, meetings, meetings_planned,
        meetings_held, no_shows, meetings_cancelled, meetings_open, 0, 0, 0
    from contacts
    union all
    select line_id, employee_id, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, won_deals, 0, 0
    from won
    union all
    select line_id, from_owner_id, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0
    from moves
    union all
    select line_id, to_owner_id, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1
    from moves
    union all
    select line_id, employee_id, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0
    from reps
),

grouped as (
    select
        line_id,
        employee_id,
        grouping(line_id, employee_id) > 0 as is_total,
        sum(open_leads) as open_leads,
        sum(new_leads) as new_leads,
        sum(calls) as calls,
        sum(emails) as emails,
        sum(meetings) as meetings,
        sum(meetings_planned) as meetings_planned,
        sum(meetings_held) as meetings_held,
        sum(no_shows) as no_shows,
        sum(meetings_cancelled) as meetings_cancelled,
        sum(meetings_open) as meetings_open,
        sum(overdue_contacts) as overdue_contacts,
        sum(stuck_leads) as stuck_leads,
        sum(won_deals) as won_deals,
        sum(leads_taken) as leads_taken,
        sum(leads_received) as leads_received
    from figures
    group by grouping sets ((line_id, employee_id), (line_id), ())
),

final as (
    select
        g.line_id,
        bl.name as line,
        g.employee_id,
        e.full_name as employee,
        g.is_total,
        cast(g.open_leads as bigint) as open_leads,
        cast(g.new_leads as bigint) as new_leads,
        cast(g.calls as bigint) as calls,
        cast(g.emails as bigint) as emails,
        cast(g.meetings as bigint) as meetings,
        cast(g.meetings_planned as bigint) as meetings_planned,
        cast(g.meetings_held as bigint) as meetings_held,
        cast(g.no_shows as bigint) as no_shows,
        cast(g.meetings_cancelled as bigint) as meetings_cancelled,
        cast(g.meetings_open as bigint) as meetings_open,
        g.no_shows / nullif(g.meetings_held + g.no_shows, 0) as no_show_rate,
        cast(g.overdue_contacts as bigint) as overdue_contacts,
        cast(g.stuck_leads as bigint) as stuck_leads,
        cast(g.won_deals as bigint) as won_deals,
        cast(g.leads_taken as bigint) as leads_taken,
        cast(g.leads_received as bigint) as leads_received
    from grouped as g
    left join business_lines as bl on bl.line_id = g.line_id
    left join employees as e on e.employee_id = g.employee_id
)

select * from final
order by line nulls last, is_total, employee is null, employee, employee_id

-- name: stage_funnel
-- Purpose: per line and sales stage, from the stage history (lead_stage_changes): the leads
-- that entered the stage in the period; how many of them had moved on to a later stage by its
-- end (any stage further along, skipping some or reaching the won one; a lost stage is not
-- further along; a lead that went back and forth counts once); the conversion to the next
-- stage, moved on / entered (NULL for a stage with no later one, and for lost stages); the
-- leads open in the stage at the end of the period (the stage they were in then), how many of
-- them had been in it more than :stuck_days days and their median days since the last
-- contact; the median days in the stage over every stay in it during the period: from
-- entering it to the lead's next change when that came in the period, else to the end of the
-- period for the open leads still in it (not for lost stages).
-- Side effects: none; reads report_lead_facts (run `lead_facts` first, same transaction).
with stages as (
    select s.stage_id, s.line_id, s.name, s.position, s.is_won, s.is_lost
    from sales_stages as s
    where cast(:line_id as bigint) is null or s.line_id = :line_id
),

period_changes as (
    -- ix_lead_stage_changes_changed_at: only the period's changes are read.
    select h.lead_stage_change_id, h.lead_id, h.from_stage_id, h.to_stage_id, h.changed_at,
        s.position, s.is_lost
    from lead_stage_changes as h
    join stages as s on s.stage_id = h.to_stage_id
    where h.changed_at >= :from_at and h.changed_at < :to_at
),

entries as (
    -- A lead entering a stage twice in the period is one lead: its first entry counts.
    select distinct on (c.lead_id, c.to_stage_id) *
    from period_changes as c
    order by c.lead_id, c.to_stage_id, c.changed_at, c.lead_stage_change_id
),

moves_on as (
    -- Any change after an entry and before :to_at is itself in the period.
    select e.lead_stage_change_id
    from entries as e
    where exists (
        select 1
        from period_changes as n
        where n.lead_id = e.lead_id
          and (n.changed_at, n.lead_stage_change_id) > (e.changed_at, e.lead_stage_change_id)
          and n.position > e.position
          and not n.is_lost
    )
),

entered as (
    select e.to_stage_id as stage_id, count(*) as entered, count(m.lead_stage_change_id)
        as moved_on
    from entries as e
    left join moves_on as m on m.lead_stage_change_id = e.lead_stage_change_id
    group by e.to_stage_id
),

ended_stays as (
    -- Each change in the period ends the stay its lead's previous change began
    -- (ix_lead_stage_changes_lead_changed_at, backwards from the change).
    select c.from_stage_id as stage_id,
        date_part('epoch', c.changed_at - p.changed_at) / 86400 as days
    from period_changes as c
    cross join lateral (
        select h.changed_at
        from lead_stage_changes as h
        where h.lead_id = c.lead_id
          and (h.changed_at, h.lead_stage_change_id) < (c.changed_at, c.lead_stage_change_id)
        order by h.changed_at desc, h.lead_stage_change_id desc
        limit 1
    ) as p
    where c.from_stage_id is not null
),

all_stays as (
    select stage_id, days from ended_stays
    union all
    select f.stage_id, f.days_in_stage from report_lead_facts as f
),

stay_medians as (
    select stage_id, percentile_cont(0.5) within group (order by days) as median_days_in_stage
    from all_stays
    group by stage_id
),

in_stage as (
    select
        f.stage_id,
        count(*) as in_stage,
        count(*) filter (where f.days_in_stage > :stuck_days) as stuck_in_stage,
        percentile_cont(0.5) within group (order by f.days_idle) as median_days_idle
    from report_lead_facts as f
    group by f.stage_id
),

final as (
    select
        s.line_id,
        bl.name as line,
        s.stage_id,
        s.name as stage,
        s.position,
        s.is_won,
        s.is_lost,
        coalesce(e.entered, 0) as entered,
        case when not s.is_lost and exists (
            select 1 from stages as t
            where t.line_id = s.line_id and t.position > s.position and not t.is_lost
        ) then coalesce(e.moved_on, 0) end as moved_on,
        coalesce(i.in_stage, 0) as in_stage,
        coalesce(i.stuck_in_stage, 0) as stuck_in_stage,
        case when not s.is_lost then m.median_days_in_stage end as median_days_in_stage,
        i.median_days_idle
    from stages as s
    join business_lines as bl on bl.line_id = s.line_id
    left join entered as e on e.stage_id = s.stage_id
    left join in_stage as i on i.stage_id = s.stage_id
    left join stay_medians as m on m.stage_id = s.stage_id
)

select *, moved_on / nullif(entered, 0)::numeric as conversion_to_next
from final
order by line, position

-- name: stuck_leads
-- Purpose: the :listed leads of each line that have gone longest without a contact among the
-- stuck ones (no contact for more than :stuck_days days at the end of the period), with the
-- client, stage and owner then, the days it had been in that stage, and the last contact.
-- Side effects: none; reads report_lead_facts (run `lead_facts` first, same transaction).
with ranked as (
    select
        f.*,
        row_number() over (partition by f.line_id order by f.days_idle desc, f.lead_id) as rank
    from report_lead_facts as f
    where f.is_stuck
),

final as (
    select
        r.line_id,
        bl.name as line,
        r.lead_id,
        coalesce(o.name, concat_ws(' ', p.last_name, p.first_name, p.middle_name)) as client,
        s.name as stage,
        e.full_name as owner,
        r.last_contact_at,
        r.days_idle,
        r.days_in_stage,
        r.days_open
    from ranked as r
    join business_lines as bl on bl.line_id = r.line_id
    join leads as l on l.lead_id = r.lead_id
    join sales_stages as s on s.stage_id = r.stage_id
    left join organisations as o on o.organisation_id = l.organisation_id
    left join persons as p on p.person_id = l.person_id
    left join employees as e on e.employee_id = r.owner_id
    where r.rank <= :listed
)

select * from final order by line, days_idle desc, lead_id

-- name: deals_won
-- Purpose: deals won (money received: won_at) in the period: count and amount per line, owner
-- when won (NULL: the pool) and currency, with per-line totals (is_total) and all-lines
-- totals (is_total, line_id NULL) per currency. Amounts in different currencies never add.
-- Side effects: none.
with won as (
    select d.deal_id, d.amount, d.currency, l.line_id, coalesce(w.owner_id, l.owner_id) as owner_id
    from deals as d
    join leads as l on l.lead_id = d.lead_id
    left join lateral (
        -- The owner when the money came: whom the first later change took the lead from.
        select oc.from_owner_id as owner_id
        from ownership_changes as oc
        where oc.lead_id = d.lead_id and oc.changed_at > d.won_at
        order by oc.changed_at, oc.ownership_change_id
        limit 1
    ) as w on true
    where d.won_at >= :from_at and d.won_at < :to_at
      and (cast(:line_id as bigint) is null or l.line_id = :line_id)
),

grouped as (
    select
        line_id,
        owner_id,
        currency,
        grouping(line_id, owner_id) > 0 as is_total,
        count(*) as won_deals,
        sum(amount) as amount,
        max(amount) as largest
    from won
    group by grouping sets ((line_id, owner_id, currency), (line_id, currency), (currency))
),

final as (
    select
        g.line_id, bl.name as line, g.owner_id, e.full_name as owner, g.is_total, g.currency,
        g.won_deals, g.amount, g.largest
    from grouped as g
    left join business_lines as bl on bl.line_id = g.line_id
    left join employees as e on e.employee_id = g.owner_id
)

select * from final
order by line nulls last, is_total, owner is null, owner, currency

-- name: campaign_effect
-- Purpose: every campaign with letters that went out in the period (sent, failed or unknown,
-- timed by sent_at, else the claim): letters sent (handed to the server), delivered (accepted
-- by it: the store has no delivery receipts), failed, unknown, and unsubscribes from its
-- links in the period; then, for the recipients who got a letter, what followed within
-- :follow_days days of their first letter of the period (and before :to_at): leads created
-- for them or their organisations, meetings held with those leads and deals won on them. A
-- campaign of a line counts what followed in that line; a campaign of no line gets a row per
-- line in scope, and one for all lines (line_id NULL).
-- Side effects: none.
with letters as (
    -- letter_at: sent_at, else the claim, for rows sent, failed or unknown; NULL for others.
    select s.campaign_id, s.person_id, s.status, s.letter_at as sent_at
    from campaign_sends as s
    where s.letter_at >= :from_at and s.letter_at < :to_at
),

lines as (
    select line_id from business_lines
    where cast(:line_id as bigint) is null or line_id = :line_id
),

campaign_lines as (
    select c.campaign_id, c.name, c.channel, c.line_id as campaign_line_id, l.line_id
    from campaigns as c
    join lines as l on c.line_id is null or l.line_id = c.line_id
    where c.campaign_id in (select campaign_id from letters)
),

sent as (
    select
        campaign_id,
        count(*) as sent,
        count(*) filter (where status = 'sent') as delivered,
        count(*) filter (where status = 'failed') as failed,
        count(*) filter (where status = 'unknown') as unknown
    from letters
    group by campaign_id
),

unsubscribed as (
    select cast(substr(x.source, 10) as bigint) as campaign_id, count(*) as unsubscribed
    from suppressions as x
    where x.reason = 'unsubscribed' and x.source ~ '^campaign [0-9]+$'
      and x.created_at >= :from_at and x.created_at < :to_at
    group by 1
),

recipients as (
    select campaign_id, person_id, min(sent_at) as sent_at
    from letters
    where status = 'sent'
    group by campaign_id, person_id
),

recipient_leads as (
    select r.campaign_id, r.sent_at, l.lead_id, l.line_id, l.created_at
    from recipients as r
    join leads as l on l.person_id = r.person_id
    -- A lead is a person's or an organisation's, and employments are unique: no repeats.
    union all
    select r.campaign_id, r.sent_at, l.lead_id, l.line_id, l.created_at
    from recipients as r
    join employments as em on em.person_id = r.person_id
    join leads as l on l.organisation_id = em.organisation_id
),

windows as (
    select
        rl.*,
        least(rl.sent_at + make_interval(days => :follow_days), cast(:to_at as timestamptz))
            as until
    from recipient_leads as rl
    join campaign_lines as cl on cl.campaign_id = rl.campaign_id and cl.line_id = rl.line_id
),

effects as (
    select w.campaign_id, w.line_id, 'lead' as effect, w.lead_id as item_id,
        null::numeric as amount, null::text as currency
    from windows as w
    where w.created_at > w.sent_at and w.created_at <= w.until
    union
    select w.campaign_id, w.line_id, 'meeting', a.activity_id, null, null
    from windows as w
    join activities as a on a.lead_id = w.lead_id
    where a.kind = 'meeting' and a.status = 'done'
      and a.held_at > w.sent_at and a.held_at <= w.until
    union
    select w.campaign_id, w.line_id, 'deal', d.deal_id, d.amount, d.currency
    from windows as w
    join deals as d on d.lead_id = w.lead_id
    where d.won_at > w.sent_at and d.won_at <= w.until
),

effect_counts as (
    select
        campaign_id,
        line_id,
        grouping(line_id) > 0 as is_total,
        count(distinct item_id) filter (where effect = 'lead') as new_leads,
        count(distinct item_id) filter (where effect = 'meeting') as meetings_held,
        count(distinct item_id) filter (where effect = 'deal') as won_deals
    from effects
    group by grouping sets ((campaign_id, line_id), (campaign_id))
),

deal_amounts as (
    select campaign_id, line_id, is_total, jsonb_object_agg(currency, amount) as won_amounts
    from (
        select campaign_id, line_id, currency, grouping(line_id) > 0 as is_total,
            sum(amount) as amount
        from (select distinct campaign_id, line_id, item_id, amount, currency
              from effects where effect = 'deal') as deal
        group by grouping sets ((campaign_id, line_id, currency), (campaign_id, currency))
    ) as per_currency
    group by campaign_id, line_id, is_total
),

report_rows as (
    select cl.campaign_id, cl.name, cl.channel, cl.campaign_line_id, cl.line_id, false as is_total
    from campaign_lines as cl
    union all
    select distinct cl.campaign_id, cl.name, cl.channel, cl.campaign_line_id, null::bigint, true
    from campaign_lines as cl
),

final as (
    select
        r.campaign_id,
        r.name as campaign,
        r.channel,
        r.line_id,
        bl.name as line,
        r.campaign_line_id is null as is_all_lines,
        r.is_total,
        s.sent,
        s.delivered,
        s.failed,
        s.unknown,
        coalesce(u.unsubscribed, 0) as unsubscribed,
        coalesce(e.new_leads, 0) as new_leads,
        coalesce(e.meetings_held, 0) as meetings_held,
        coalesce(e.won_deals, 0) as won_deals,
        coalesce(da.won_amounts, '{}') as won_amounts
    from report_rows as r
    join sent as s on s.campaign_id = r.campaign_id
    left join business_lines as bl on bl.line_id = r.line_id
    left join unsubscribed as u on u.campaign_id = r.campaign_id
    left join effect_counts as e
        on e.campaign_id = r.campaign_id and e.is_total = r.is_total
        and (r.is_total or e.line_id = r.line_id)
    left join deal_amounts as da
        on da.campaign_id = r.campaign_id and da.is_total = r.is_total
        and (r.is_total or da.line_id = r.line_id)
)

select * from final order by line nulls last, sent desc, campaign_id

-- name: reassignments
-- Purpose: leads that changed owner in the period (a change from an owner: the three-month
-- rule, a head of sales' decision, a release to the pool), per line and reason, with how many
-- went to the pool; per-line totals (is_total) and all lines (is_total, line_id NULL).
-- Side effects: none.
with moves as (
    select l.line_id, oc.lead_id, oc.reason, oc.to_owner_id
    from ownership_changes as oc
    join leads as l on l.lead_id = oc.lead_id
    where oc.changed_at >= :from_at and oc.changed_at < :to_at
      and oc.from_owner_id is not null
      and (cast(:line_id as bigint) is null or l.line_id = :line_id)
),

grouped as (
    select
        line_id,
        cast(reason as text) as reason,
        grouping(line_id, reason) > 0 as is_total,
        count(*) as changes,
        count(distinct lead_id) as leads,
        count(*) filter (where to_owner_id is null) as to_pool
    from moves
    group by grouping sets ((line_id, reason), (line_id), ())
)

select g.*, bl.name as line
from grouped as g
left join business_lines as bl on bl.line_id = g.line_id
order by line nulls last, is_total, reason

-- name: report_lines
-- Purpose: the lines a report covers (:line_id, NULL = all), each with its active heads of
-- sales; and the active directors, who get every line.
-- Side effects: none.
with heads as (
    select el.line_id, e.employee_id, e.full_name, e.email
    from employee_lines as el
    join employees as e on e.employee_id = el.employee_id
    where el.role = 'head_of_sales' and e.is_active
),

final as (
    select
        bl.line_id,
        bl.name as line,
        coalesce(
            jsonb_agg(jsonb_build_object('name', h.full_name, 'email', h.email)
                order by h.email) filter (where h.email is not null),
            '[]'
        ) as heads
    from business_lines as bl
    left join heads as h on h.line_id = bl.line_id
    where cast(:line_id as bigint) is null or bl.line_id = :line_id
    group by bl.line_id, bl.name
)

select * from final order by line

-- name: directors
-- Purpose: active employees with the director role in any line: they get every line's report.
-- Side effects: none.
select distinct e.employee_id, e.full_name as name, e.email
from employee_lines as el
join employees as e on e.employee_id = el.employee_id
where el.role = 'director' and e.is_active
order by e.email

-- name: find_wave
-- Purpose: the survey wave a satisfaction report is for: the one named :wave (or whose id it
-- is), else the latest wave that has opened by :now.
-- Side effects: none.
select w.survey_wave_id, w.name, w.line_id, w.opens_at, w.closes_at
from survey_waves as w
where case
    when cast(:wave as text) is null then w.opens_at <= :now
    else w.name = :wave or cast(w.survey_wave_id as text) = :wave
end
order by w.name = :wave desc nulls last, w.opens_at desc
limit 1

-- name: forget_survey_facts
-- Purpose: a second satisfaction report in the same transaction starts afresh.
-- Side effects: drops the temporary table report_survey_facts if this session has one.
drop table if exists pg_temp.report_survey_facts

-- name: survey_facts
-- Purpose: one row per invitation of wave :wave_id and of the :earlier waves opened before it,
-- in scope (:line_id): the lead's line, the client's segment (industry, region, size by
-- headcount; a person is an individual client), the owner when the client answered (when
-- invited, for no answer), the answer's scores and NPS, the mean of its answered scores, whether
-- it is low (a score of 2 or less, or NPS 6 or less: the survey's alert rule), and the
-- activities logged on the lead since the answer (what was done about it). An invitation
-- counts when it went out (invited_at) or was answered (an imported answer).
-- Side effects: creates the temporary table report_survey_facts, dropped at the end of the
-- transaction; the other satisfaction queries read it.
create temporary table report_survey_facts on commit drop as
with this_wave as (
    select survey_wave_id, opens_at from survey_waves where survey_wave_id = :wave_id
),

waves as (
    select survey_wave_id, true as is_this_wave from this_wave
    union all
    select earlier.survey_wave_id, false
    from (
        select w.survey_wave_id
        from survey_waves as w, this_wave as t
        where w.opens_at < t.opens_at
        order by w.opens_at desc
        limit :earlier
    ) as earlier
),

invitations as (
    select
        i.survey_invitation_id, i.survey_wave_id, w.is_this_wave, i.lead_id, i.invited_at,
        l.line_id, l.owner_id, l.organisation_id, r.survey_response_id, r.submitted_at,
        r.products_range, r.products_quality, r.products_features, r.products_packaging,
        r.service_speed, r.service_friendliness, r.service_informing, r.service_complaints,
        r.prices_value, r.prices_discounts, r.prices_payment_terms, r.prices_returns,
        r.logistics, r.company_overall, r.nps, r.comment
    from survey_invitations as i
    join waves as w on w.survey_wave_id = i.survey_wave_id
    join leads as l on l.lead_id = i.lead_id
    left join survey_responses as r on r.survey_invitation_id = i.survey_invitation_id
    where (i.invited_at is not null or r.survey_response_id is not null)
      and (cast(:line_id as bigint) is null or l.line_id = :line_id)
),

final as (
    select
        i.survey_invitation_id,
        i.survey_wave_id,
        i.is_this_wave,
        i.lead_id,
        i.line_id,
        case when i.organisation_id is null then 'individual client'
             else coalesce(o.industry, 'not stated') end as industry,
        case when i.organisation_id is null then 'individual client'
             else coalesce(o.region, 'not stated') end as region,
        case
            when i.organisation_id is null then 'individual client'
            when o.employee_count is null then 'not stated'
            when o.employee_count < 15 then '1-14'
            when o.employee_count < 100 then '15-99'
            when o.employee_count < 250 then '100-249'
            else '250+'
        end as size,
        coalesce(later.found, false) as owner_changed,
        case when later.found then later.from_owner_id else i.owner_id end as owner_id,
        i.survey_response_id is not null as has_answered,
        i.submitted_at,
        i.products_range, i.products_quality, i.products_features, i.products_packaging,
        i.service_speed, i.service_friendliness, i.service_informing, i.service_complaints,
        i.prices_value, i.prices_discounts, i.prices_payment_terms, i.prices_returns,
        i.logistics, i.company_overall,
        i.nps,
        i.comment,
        s.mean_score,
        s.lowest_score <= 2 or i.nps <= 6 as is_low,
        coalesce(done.activities, 0) as follow_ups,
        done.last_activity_id
    from invitations as i
    left join organisations as o on o.organisation_id = i.organisation_id
    left join lateral (
        select true as found, oc.from_owner_id
        from ownership_changes as oc
        where oc.lead_id = i.lead_id
          and oc.changed_at > coalesce(i.submitted_at, i.invited_at)
        order by oc.changed_at, oc.ownership_change_id
        limit 1
    ) as later on true
    left join lateral (
        select avg(v) as mean_score, min(v) as lowest_score
        from unnest(array[
            i.products_range, i.products_quality, i.products_features, i.products_packaging,
            i.service_speed, i.service_friendliness, i.service_informing, i.service_complaints,
            i.prices_value, i.prices_discounts, i.prices_payment_terms, i.prices_returns,
            i.logistics, i.company_overall
        ]) as v
    ) as s on true
    left join lateral (
        select count(*) as activities, max(a.activity_id) as last_activity_id
        from activities as a
        where a.lead_id = i.lead_id and a.created_at >= i.submitted_at
    ) as done on i.survey_response_id is not null
)

select * from final

-- name: survey_slices
-- Purpose: for the wave: invitations, answers and the response rate, NPS (promoters 9-10 minus
-- detractors 0-6, in % of the answers giving one) with its parts, low answers and how many of
-- them have a follow-up activity, per slice: the whole scope ('all'), industry, region, size
-- and owner, each within a line and over all lines (line_id NULL).
-- Side effects: none; reads report_survey_facts (run `survey_facts` first, same transaction).
with sliced as (
    select f.*, sl.slice, sl.value
    from report_survey_facts as f
    left join employees as e on e.employee_id = f.owner_id
    cross join lateral (values
        ('all', 'all'),
        ('industry', f.industry),
        ('region', f.region),
        ('size', f.size),
        ('owner', coalesce(e.full_name, 'unassigned pool'))
    ) as sl (slice, value)
    where f.is_this_wave
),

grouped as (
    select
        line_id,
        slice,
        value,
        grouping(line_id) > 0 as is_all_lines,
        count(*) as invited,
        count(*) filter (where has_answered) as answered,
        count(nps) as nps_answers,
        count(*) filter (where nps >= 9) as promoters,
        count(*) filter (where nps between 7 and 8) as passives,
        count(*) filter (where nps <= 6) as detractors,
        count(*) filter (where is_low) as low_answers,
        count(*) filter (where is_low and follow_ups > 0) as low_followed_up
    from sliced
    group by grouping sets ((line_id, slice, value), (slice, value))
),

final as (
    select
        g.*,
        bl.name as line,
        g.answered::numeric / nullif(g.invited, 0) as response_rate,
        100.0 * (g.promoters - g.detractors) / nullif(g.nps_answers, 0) as nps
    from grouped as g
    left join business_lines as bl on bl.line_id = g.line_id
)

select * from final order by line nulls last, slice, value

-- name: survey_scores
-- Purpose: for the wave: the number of answers and the mean score (1-5) of every question, of
-- every group of questions (item NULL) and of all of them (grp NULL), pooled over the answers
-- given, per slice as in `survey_slices`, each within a line and over all lines.
-- Side effects: none; reads report_survey_facts (run `survey_facts` first, same transaction).
with answers as (
    select f.line_id, f.owner_id, f.industry, f.region, f.size, q.grp, q.item, q.score
    from report_survey_facts as f
    cross join lateral (values
        ('products', 'products_range', f.products_range),
        ('products', 'products_quality', f.products_quality),
        ('products', 'products_features', f.products_features),
        ('products', 'products_packaging', f.products_packaging),
        ('service', 'service_speed', f.service_speed),
        ('service', 'service_friendliness', f.service_friendliness),
        ('service', 'service_informing', f.service_informing),
        ('service', 'service_complaints', f.service_complaints),
        ('prices', 'prices_value', f.prices_value),
        ('prices', 'prices_discounts', f.prices_discounts),
        ('prices', 'prices_payment_terms', f.prices_payment_terms),
        ('prices', 'prices_returns', f.prices_returns),
        ('logistics', 'logistics', f.logistics),
        ('company', 'company_overall', f.company_overall)
    ) as q (grp, item, score)
    where f.is_this_wave and q.score is not null
),

sliced as (
    select a.*, sl.slice, sl.value
    from answers as a
    left join employees as e on e.employee_id = a.owner_id
    cross join lateral (values
        ('all', 'all'),
        ('industry', a.industry),
        ('region', a.region),
        ('size', a.size),
        ('owner', coalesce(e.full_name, 'unassigned pool'))
    ) as sl (slice, value)
),

grouped as (
    select
        line_id,
        slice,
        value,
        grp,
        item,
        grouping(line_id) > 0 as is_all_lines,
        count(*) as answers,
        avg(score) as mean_score
    from sliced
    group by grouping sets (
        (line_id, slice, value, grp, item), (line_id, slice, value, grp), (line_id, slice, value),
        (slice, value, grp, item), (slice, value, grp), (slice, value)
    )
)

select g.*, bl.name as line
from grouped as g
left join business_lines as bl on bl.line_id = g.line_id
order by line nulls last, slice, value, grp nulls first, item nulls first

-- name: survey_trend
-- Purpose: the wave against the :earlier waves before it: invitations, answers, response
-- rate, the mean score of each group and of all questions (pooled over the answers) and NPS,
-- per wave and line, and per wave over all lines (line_id NULL).
-- Side effects: none; reads report_survey_facts (run `survey_facts` first, same transaction).
with answers as (
    select f.survey_wave_id, f.line_id, f.survey_invitation_id, q.grp, q.score
    from report_survey_facts as f
    cross join lateral (values
        ('products', f.products_range), ('products', f.products_quality),
        ('products', f.products_features), ('products', f.products_packaging),
        ('service', f.service_speed), ('service', f.service_friendliness),
        ('service', f.service_informing), ('service', f.service_complaints),
        ('prices', f.prices_value), ('prices', f.prices_discounts),
        ('prices', f.prices_payment_terms), ('prices', f.prices_returns),
        ('logistics', f.logistics), ('company', f.company_overall)
    ) as q (grp, score)
    where q.score is not null
),

scores as (
    select
        survey_wave_id,
        line_id,
        grouping(line_id) > 0 as is_all_lines,
        avg(score) filter (where grp = 'products') as products,
        avg(score) filter (where grp = 'service') as service,
        avg(score) filter (where grp = 'prices') as prices,
        avg(score) filter (where grp = 'logistics') as logistics,
        avg(score) filter (where grp = 'company') as company,
        avg(score) as overall
    from answers
    group by grouping sets ((survey_wave_id, line_id), (survey_wave_id))
),

counts as (
    select
        survey_wave_id,
        line_id,
        grouping(line_id) > 0 as is_all_lines,
        count(*) as invited,
        count(*) filter (where has_answered) as answered,
        100.0 * (count(*) filter (where nps >= 9) - count(*) filter (where nps <= 6))
            / nullif(count(nps), 0) as nps
    from report_survey_facts
    group by grouping sets ((survey_wave_id, line_id), (survey_wave_id))
),

final as (
    select
        c.survey_wave_id,
        w.name as wave,
        w.opens_at,
        w.survey_wave_id = :wave_id as is_this_wave,
        c.line_id,
        bl.name as line,
        c.is_all_lines,
        c.invited,
        c.answered,
        c.answered::numeric / nullif(c.invited, 0) as response_rate,
        s.products, s.service, s.prices, s.logistics, s.company, s.overall,
        c.nps
    from counts as c
    join survey_waves as w on w.survey_wave_id = c.survey_wave_id
    left join business_lines as bl on bl.line_id = c.line_id
    left join scores as s
        on s.survey_wave_id = c.survey_wave_id and s.is_all_lines = c.is_all_lines
        and (c.is_all_lines or s.line_id = c.line_id)
)

select * from final order by line nulls last, opens_at

-- name: survey_lowest
-- Purpose: the :listed answers of the wave with the lowest mean score in each line (then the
-- lowest NPS): the client, owner, mean score, the questions scored lowest, NPS, the comment,
-- and what was done since: how many activities were logged on the lead and the latest one.
-- Side effects: none; reads report_survey_facts (run `survey_facts` first, same transaction).
with ranked as (
    select
        f.*,
        row_number() over (
            partition by f.line_id
            order by f.mean_score nulls last, f.nps nulls last, f.survey_invitation_id
        ) as rank
    from report_survey_facts as f
    where f.is_this_wave and f.has_answered
),

lowest_items as (
    select r.survey_invitation_id, min(q.score) as lowest, string_agg(q.item, ', '
        order by q.item) filter (where q.score = r.lowest_score) as lowest_items
    from (
        select f.*, least(
            f.products_range, f.products_quality, f.products_features, f.products_packaging,
            f.service_speed, f.service_friendliness, f.service_informing, f.service_complaints,
            f.prices_value, f.prices_discounts, f.prices_payment_terms, f.prices_returns,
            f.logistics, f.company_overall) as lowest_score
        from ranked as f
        where f.rank <= :listed
    ) as r
    cross join lateral (values
        ('products_range', r.products_range), ('products_quality', r.products_quality),
        ('products_features', r.products_features), ('products_packaging', r.products_packaging),
        ('service_speed', r.service_speed), ('service_friendliness', r.service_friendliness),
        ('service_informing', r.service_informing), ('service_complaints', r.service_complaints),
        ('prices_value', r.prices_value), ('prices_discounts', r.prices_discounts),
        ('prices_payment_terms', r.prices_payment_terms), ('prices_returns', r.prices_returns),
        ('logistics', r.logistics), ('company_overall', r.company_overall)
    ) as q (item, score)
    group by r.survey_invitation_id, r.lowest_score
),

final as (
    select
        r.line_id,
        bl.name as line,
        r.lead_id,
        coalesce(o.name, concat_ws(' ', p.last_name, p.first_name, p.middle_name)) as client,
        e.full_name as owner,
        r.submitted_at,
        r.mean_score,
        li.lowest as lowest_score,
        li.lowest_items,
        r.nps,
        r.is_low,
        r.comment,
        r.follow_ups,
        a.kind as last_follow_up_kind,
        a.status as last_follow_up_status,
        coalesce(a.held_at, a.planned_at, a.created_at) as last_follow_up_at,
        a.outcome as last_follow_up_outcome
    from ranked as r
    join business_lines as bl on bl.line_id = r.line_id
    join leads as l on l.lead_id = r.lead_id
    left join organisations as o on o.organisation_id = l.organisation_id
    left join persons as p on p.person_id = l.person_id
    left join employees as e on e.employee_id = r.owner_id
    left join lowest_items as li on li.survey_invitation_id = r.survey_invitation_id
    left join activities as a on a.activity_id = r.last_activity_id
    where r.rank <= :listed
)

select * from final order by line, mean_score nulls last, nps nulls last, lead_id

-- The client summary: one client, an organisation or an individual (the parameters
-- organisation_id and person_id, the other one NULL); line_id NULL shows every line's leads.

-- name: client_details
-- Purpose: the client's standard details and custom attributes.
-- Side effects: none.
select
    'organisation' as client_kind, o.organisation_id as client_id, o.name, o.legal_form,
    o.tax_id, o.industry, o.region, o.city, o.address, o.postcode, o.website, o.phones,
    o.emails, o.employee_count, o.founded_date, o.custom_attributes, null::date as birth_date
from organisations as o
where o.organisation_id = :organisation_id
union all
select
    'person', p.person_id, concat_ws(' ', p.last_name, p.first_name, p.middle_name), null,
    p.tax_id, null, null, p.city, p.address, p.postcode, null, p.phones, p.emails, null, null,
    '{}'::jsonb, p.birth_date
from persons as p
where p.person_id = :person_id

-- name: client_contacts
-- Purpose: the client's people: for an organisation, everyone employed there (position,
-- work phone and e-mail, primary contact, decision maker) with the other organisations each
-- of them works in; for an individual, the organisations they work in.
-- Side effects: none.
with people as (
    select e.person_id, e.organisation_id, e.position, e.work_phone, e.work_email,
        e.is_primary_contact, e.is_decision_maker, e.ended_date
    from employments as e
    where e.organisation_id = :organisation_id or e.person_id = :person_id
),

elsewhere as (
    select e.person_id, string_agg(o.name || coalesce(' (' || e.position || ')', ''), '; '
        order by o.name) as other_organisations
    from employments as e
    join organisations as o on o.organisation_id = e.organisation_id
    where e.person_id in (select person_id from people)
      and e.organisation_id is distinct from cast(:organisation_id as bigint)
    group by e.person_id
)

select
    pe.person_id,
    concat_ws(' ', p.last_name, p.first_name, p.middle_name) as name,
    o.name as organisation,
    pe.position,
    coalesce(pe.work_phone, p.phones[1]) as phone,
    coalesce(pe.work_email, p.emails[1]) as email,
    pe.is_primary_contact,
    pe.is_decision_maker,
    pe.ended_date,
    case when :organisation_id is not null then el.other_organisations end
        as other_organisations,
    p.birth_date
from people as pe
join persons as p on p.person_id = pe.person_id
join organisations as o on o.organisation_id = pe.organisation_id
left join elsewhere as el on el.person_id = pe.person_id
order by pe.ended_date is not null, pe.is_primary_contact desc, pe.is_decision_maker desc, name

-- name: client_leads
-- Purpose: the client's leads (one per line it is worked in, and closed ones), with line,
-- sales stage, relationship stage, status, owner and since when.
-- Side effects: none.
select
    l.lead_id, bl.name as line, s.name as stage, l.relationship_stage, l.status,
    e.full_name as owner, e.email as owner_email, l.owned_since, l.created_at, l.closed_at,
    l.is_frozen
from leads as l
join business_lines as bl on bl.line_id = l.line_id
join sales_stages as s on s.stage_id = l.stage_id
left join employees as e on e.employee_id = l.owner_id
where (l.organisation_id = :organisation_id or l.person_id = :person_id)
  and (cast(:line_id as bigint) is null or l.line_id = :line_id)
order by l.status = 'open' desc, l.created_at desc

-- name: client_activities
-- Purpose: every contact with the client on its leads, the latest first, planned ones too:
-- when, line, kind, status, who, outcome and the next contact date set.
-- Side effects: none.
select
    a.activity_id, coalesce(a.held_at, a.planned_at) as happened_at, bl.name as line, a.kind,
    a.status, e.full_name as employee, a.outcome, a.next_contact_date
from activities as a
join leads as l on l.lead_id = a.lead_id
join business_lines as bl on bl.line_id = l.line_id
join employees as e on e.employee_id = a.employee_id
where (l.organisation_id = :organisation_id or l.person_id = :person_id)
  and (cast(:line_id as bigint) is null or l.line_id = :line_id)
order by coalesce(a.held_at, a.planned_at) desc, a.activity_id desc

-- name: client_deals
-- Purpose: the client's deals: title, line, amount, stage, when opened, won (money received)
-- or lost.
-- Side effects: none.
select
    d.deal_id, d.title, bl.name as line, d.amount, d.currency, s.name as stage, d.created_at,
    d.won_at, d.lost_at
from deals as d
join leads as l on l.lead_id = d.lead_id
join business_lines as bl on bl.line_id = l.line_id
join sales_stages as s on s.stage_id = d.stage_id
where (l.organisation_id = :organisation_id or l.person_id = :person_id)
  and (cast(:line_id as bigint) is null or l.line_id = :line_id)
order by coalesce(d.won_at, d.lost_at, d.created_at) desc

-- name: client_satisfaction
-- Purpose: the client's survey answers, the latest first: wave, who answered, the mean score
-- of each group and of all questions, NPS and the comment.
-- Side effects: none.
select
    w.name as wave, r.submitted_at, concat_ws(' ', p.last_name, p.first_name) as respondent,
    bl.name as line,
    (select avg(v) from unnest(array[r.products_range, r.products_quality,
        r.products_features, r.products_packaging]) as v) as products,
    (select avg(v) from unnest(array[r.service_speed, r.service_friendliness,
        r.service_informing, r.service_complaints]) as v) as service,
    (select avg(v) from unnest(array[r.prices_value, r.prices_discounts,
        r.prices_payment_terms, r.prices_returns]) as v) as prices,
    r.logistics, r.company_overall as company,
    (select avg(v) from unnest(array[r.products_range, r.products_quality,
        r.products_features, r.products_packaging, r.service_speed, r.service_friendliness,
        r.service_informing, r.service_complaints, r.prices_value, r.prices_discounts,
        r.prices_payment_terms, r.prices_returns, r.logistics, r.company_overall]) as v)
        as overall,
    r.nps, r.comment
from survey_responses as r
join survey_invitations as i on i.survey_invitation_id = r.survey_invitation_id
join survey_waves as w on w.survey_wave_id = i.survey_wave_id
join leads as l on l.lead_id = i.lead_id
join business_lines as bl on bl.line_id = l.line_id
join persons as p on p.person_id = i.person_id
where (l.organisation_id = :organisation_id or l.person_id = :person_id)
  and (cast(:line_id as bigint) is null or l.line_id = :line_id)
order by r.submitted_at desc

-- name: client_dates
-- Purpose: the client's recurring useful dates, as (month, day) or a holiday rule, for the
-- caller to place in the coming days: its own useful dates and its people's, its people's
-- birthdays, the company's founding anniversary and the professional holidays of its
-- industry (and those of no industry).
-- Side effects: none.
with people as (
    select e.person_id from employments as e
    where e.organisation_id = :organisation_id and e.ended_date is null
    union
    select cast(:person_id as bigint) where :person_id is not null
),

dates as (
    select u.title, cast(u.kind as text) as kind, u.month, u.day, u.year,
        null::smallint as weekday, null::smallint as week_of_month,
        concat_ws(' ', p.last_name, p.first_name) as whose
    from useful_dates as u
    left join persons as p on p.person_id = u.person_id
    where u.organisation_id = :organisation_id or u.person_id in (select person_id from people)
    union all
    select 'birthday', 'birthday', extract(month from p.birth_date)::int,
        extract(day from p.birth_date)::int, extract(year from p.birth_date)::int, null, null,
        concat_ws(' ', p.last_name, p.first_name)
    from persons as p
    where p.person_id in (select person_id from people) and p.birth_date is not null
    union all
    select 'company anniversary', 'company_anniversary', extract(month from o.founded_date)::int,
        extract(day from o.founded_date)::int, extract(year from o.founded_date)::int, null,
        null, o.name
    from organisations as o
    where o.organisation_id = :organisation_id and o.founded_date is not null
    union all
    select h.name, 'professional_holiday', h.month, h.day, null, h.weekday, h.week_of_month,
        coalesce(h.industry, 'everyone')
    from professional_holidays as h
    where h.industry is null
       or h.industry = (select industry from organisations where organisation_id = :organisation_id)
)

select * from dates

-- Report letters, once per report and address: a letter is claimed before it is sent, marked
-- sent when the server accepted it and released when it was refused, so a rerun sends the
-- refused ones and nobody else (the lead lists' claim_batch_letters, per recipient). A claim
-- whose run died between sending and marking stays: that letter may have gone, and a second
-- copy is worse than none (`resend` sends it on purpose).

-- name: claim_report_letters
-- Purpose: take the sending of a report's letters to these addresses; returns the addresses
-- this run is to write to (not those an earlier or a concurrent run already took).
-- Side effects: inserts into report_deliveries.
insert into report_deliveries (report_kind, report_key, email)
select :kind, :key, e from unnest(cast(:emails as text[])) as e
on conflict (report_kind, report_key, email) do nothing
returning email

-- name: reclaim_report_letters
-- Purpose: take the sending of a report's letters to these addresses even if they went before
-- (a resend asked for); returns every address.
-- Side effects: inserts into report_deliveries, or claims its rows again (sent_at cleared).
insert into report_deliveries (report_kind, report_key, email)
select :kind, :key, e from unnest(cast(:emails as text[])) as e
on conflict (report_kind, report_key, email)
do update set claimed_at = now(), sent_at = null
returning email

-- name: report_letters_sent
-- Purpose: the mail server accepted these letters.
-- Side effects: sets report_deliveries.sent_at.
update report_deliveries set sent_at = now()
where report_kind = :kind and report_key = :key and email = any(cast(:emails as text[]))

-- name: release_report_letters
-- Purpose: these letters were refused or never sent; the next run tries them again.
-- Side effects: deletes their unsent claims from report_deliveries.
delete from report_deliveries
where report_kind = :kind and report_key = :key and email = any(cast(:emails as text[]))
  and sent_at is null

-- name: add_active_clients
-- Purpose: a survey wave's list gets every active client (an organisation or an individual
-- with an open lead, in the wave's line when it has one) that is not on it yet. The list is
-- the wave's campaign audience: an organisation stands for its primary contact, else its
-- latest one (list_audience), so the campaign sender picks the person the wave invites.
-- Side effects: inserts list_members.
insert into list_members (list_id, organisation_id, person_id)
select distinct :list_id, l.organisation_id, l.person_id
from leads as l
where l.status = 'open'
  and (cast(:line_id as bigint) is null or l.line_id = :line_id)
on conflict do nothing

-- name: invite_from_ledger
-- Purpose: one invitation, with its unguessable token, per client whose letter the campaign's
-- ledger holds and who has none in the wave yet. The ledger decided who may be written to
-- (suppressions, addresses), so a skipped row gets no invitation. A person who is the
-- contact of two clients answers for one of them. The lead is the client's open lead (in the
-- wave's line), the oldest if several: its owner follows up a low score.
-- Side effects: inserts survey_invitations.
with letters as (
    select distinct on (s.person_id)
        s.person_id,
        a.organisation_id,
        case when a.organisation_id is null then s.person_id end as client_person_id
    from campaign_sends as s
    join list_audience(:list_id, cast(array[] as bigint [])) as a on a.person_id = s.person_id
    where s.campaign_id = :campaign_id and s.occurrence = '' and s.status <> 'skipped'
      and not exists (
          select 1 from survey_invitations as i
          where i.survey_wave_id = :wave_id and i.person_id = s.person_id
      )
    order by s.person_id, a.organisation_id nulls last
),

chosen as (
    select t.person_id, lead.lead_id
    from letters as t
    cross join lateral (
        select l.lead_id from leads as l
        where l.status = 'open'
          and (cast(:line_id as bigint) is null or l.line_id = :line_id)
          and (l.organisation_id = t.organisation_id or l.person_id = t.client_person_id)
        order by l.lead_id
        limit 1
    ) as lead
    -- One invitation per client: a client whose contact changed since it was invited is not
    -- invited again through the new contact.
    where not exists (
        select 1
        from survey_invitations as i
        join leads as l on l.lead_id = i.lead_id
        where i.survey_wave_id = :wave_id
          and (l.organisation_id = t.organisation_id or l.person_id = t.client_person_id)
    )
)

insert into survey_invitations (survey_wave_id, lead_id, person_id, token)
select
    :wave_id, lead_id, person_id,
    -- Two random UUIDs from PostgreSQL's strong generator: 244 random bits, unguessable.
    replace(gen_random_uuid()::text || gen_random_uuid()::text, '-', '')
from chosen
on conflict do nothing

-- name: skip_uninvited
-- Purpose: a wave's pending letters to people it did not invite (the client was invited
-- through another contact, or has no open lead any more) are skipped with why: every letter
-- that goes carries an invitation. Runs in the transaction that filled the ledger, before any
-- sending run can claim the rows.
-- Side effects: updates campaign_sends.
update campaign_sends as s
set status = 'skipped',
    last_error = 'not invited: the client is invited through another contact or has no open lead'
where s.campaign_id = :campaign_id and s.status = 'pending' and s.claimed_by is null
  and not exists (
      select 1 from survey_invitations as i
      where i.survey_wave_id = :wave_id and i.person_id = s.person_id
  )

-- name: queue_reminders
-- Purpose: one reminder (the ledger's 'reminder' issue) to each invited person who has not
-- answered :after_days days after the invitation letter went, while the wave is open; to the
-- address the invitation went to, with occasion 'напоминание' for the template. Anyone
-- suppressed since (address, person or organisation) is recorded as skipped with why. The
-- ledger's key (campaign, issue, person) makes it once, however often this runs.
-- Side effects: inserts campaign_sends.
insert into campaign_sends (
    campaign_id, occurrence, occasion, person_id, email, status, last_error, unsubscribe_token
)
select
    :campaign_id, 'reminder', 'напоминание', i.person_id, s.email,
    cast(case when sup.found then 'skipped' else 'pending' end as send_status),
    case when sup.found then 'suppressed: unsubscribed, bounced or do-not-contact' end,
    replace(gen_random_uuid()::text || gen_random_uuid()::text, '-', '')
from survey_invitations as i
join survey_waves as w on w.survey_wave_id = i.survey_wave_id
join leads as l on l.lead_id = i.lead_id
join campaign_sends as s
    on s.campaign_id = :campaign_id and s.occurrence = '' and s.person_id = i.person_id
cross join lateral (
    select exists (
        select 1 from suppressions as x
        where x.email = s.email or x.person_id = i.person_id
           or x.organisation_id = l.organisation_id
    ) as found
) as sup
where i.survey_wave_id = :wave_id and w.closes_at > now()
  and s.status = 'sent' and s.sent_at <= now() - make_interval(days => :after_days)
  and not exists (
      select 1 from survey_responses as r where r.survey_invitation_id = i.survey_invitation_id
  )
on conflict do nothing

-- name: skip_after_close
-- Purpose: letters of a closed wave that have not gone (a paused campaign, retries) never
-- go: they would invite to a survey that no longer takes answers.
-- Side effects: updates campaign_sends.
update campaign_sends
set status = 'skipped', last_error = 'the survey wave closed before it went'
where campaign_id = :campaign_id and status = 'pending' and claimed_by is null

-- name: record_letters
-- Purpose: when each invitation and reminder letter went, from the campaign's ledger, for the
-- wave's summary and the reports.
-- Side effects: updates survey_invitations.
update survey_invitations as i
set invited_at = coalesce(i.invited_at, x.invited_at),
    reminded_at = coalesce(i.reminded_at, x.reminded_at)
from (
    select
        s.person_id,
        max(s.sent_at) filter (where s.occurrence = '') as invited_at,
        max(s.sent_at) filter (where s.occurrence = 'reminder') as reminded_at
    from campaign_sends as s
    where s.campaign_id = :campaign_id and s.status = 'sent'
    group by s.person_id
) as x
where i.survey_wave_id = :wave_id and i.person_id = x.person_id
  and (
      i.invited_at is null and x.invited_at is not null
      or i.reminded_at is null and x.reminded_at is not null
  )

-- name: make_follow_ups
-- Purpose: a follow-up call, planned for tomorrow, for the owner of each low-scored client
-- (any score <= 2, or NPS <= 6): the lead's owner, else the line's head of sales. Once per
-- response: the response keeps the activity's id, and a changed response is never followed
-- up twice. Scoped to a wave (:wave_id) or to given responses (:response_ids); a response
-- being followed up by another run at the same time is skipped (SKIP LOCKED).
-- Side effects: inserts activities; updates survey_responses.
with candidates as (
    select
        r.survey_response_id,
        l.lead_id,
        coalesce(l.owner_id, head.employee_id) as employee_id,
        w.name as wave_name,
        r.comment,
        low.scores
    from survey_responses as r
    join survey_invitations as i on i.survey_invitation_id = r.survey_invitation_id
    join survey_waves as w on w.survey_wave_id = i.survey_wave_id
    join leads as l on l.lead_id = i.lead_id
    cross join lateral (
        select string_agg(
            (cast(:labels as text []))[q.n] || ' — ' || a.value,
            ', ' order by q.n
        ) as scores
        from jsonb_each_text(to_jsonb(r)) as a
        cross join lateral (
            select array_position(cast(:questions as text []), a.key) as n
        ) as q
        where case
            when a.key = 'nps' then cast(a.value as int) <= 6
            when q.n is not null then cast(a.value as int) <= 2
            else false
        end
    ) as low
    left join lateral (
        select e.employee_id
        from employee_lines as el
        join employees as e on e.employee_id = el.employee_id
        where el.line_id = l.line_id and el.role = 'head_of_sales' and e.is_active
        order by e.employee_id
        limit 1
    ) as head on true
    where r.follow_up_activity_id is null and low.scores is not null
      and (cast(:wave_id as bigint) is null or i.survey_wave_id = :wave_id)
      and (
          cast(:response_ids as bigint []) is null
          or r.survey_response_id = any(cast(:response_ids as bigint []))
      )
    for update of r skip locked
),

planned as (
    select
        c.*,
        -- Taken now so the response can point at its activity in this same statement.
        nextval(pg_get_serial_sequence('activities', 'activity_id')) as activity_id
    from candidates as c
    where c.employee_id is not null
),

made as (
    insert into activities (activity_id, lead_id, employee_id, kind, status, planned_at, outcome)
    select
        activity_id, lead_id, employee_id, 'call', 'planned', now() + interval '1 day',
        left(
            'Низкая оценка в опросе «' || wave_name || '»: ' || scores
            || coalesce('. Комментарий клиента: ' || comment, '')
            || '. Позвоните клиенту и разберитесь.',
            2000
        )
    from planned
    returning activity_id
)

update survey_responses as r
set follow_up_activity_id = p.activity_id
from planned as p
where r.survey_response_id = p.survey_response_id
  and p.activity_id in (select activity_id from made)
returning r.survey_response_id, p.activity_id

-- name: claim_alerts
-- Purpose: the followed-up low scores whose line's head of sales has not been told yet,
-- marked told before the letters go, so two runs at once never send the same alert; the
-- caller hands back (release_alerts) what the server refused. Scoped like make_follow_ups.
-- Side effects: updates survey_responses.
update survey_responses as r
set alerted_at = now()
from survey_invitations as i
where i.survey_invitation_id = r.survey_invitation_id
  and r.follow_up_activity_id is not null and r.alerted_at is null
  and (cast(:wave_id as bigint) is null or i.survey_wave_id = :wave_id)
  and (
      cast(:response_ids as bigint []) is null
      or r.survey_response_id = any(cast(:response_ids as bigint []))
  )
returning r.survey_response_id

-- name: alert_rows
-- Purpose: what each alert says, one row per claimed response and head of sales of its line
-- (a line without a head gives one row with no head: reported, not sent).
-- Side effects: none.
select
    r.survey_response_id, w.name as wave_name, bl.name as line,
    coalesce(
        o.name, concat_ws(' ', cp.last_name, cp.first_name, cp.middle_name)
    ) as client,
    concat_ws(' ', p.last_name, p.first_name, p.middle_name) as contact,
    owner.full_name as owner, a.outcome as follow_up, a.planned_at,
    r.nps, r.comment,
    head.full_name as head_name, head.email as head_email
from survey_responses as r
join survey_invitations as i on i.survey_invitation_id = r.survey_invitation_id
join survey_waves as w on w.survey_wave_id = i.survey_wave_id
join leads as l on l.lead_id = i.lead_id
join business_lines as bl on bl.line_id = l.line_id
join persons as p on p.person_id = i.person_id
join activities as a on a.activity_id = r.follow_up_activity_id
left join organisations as o on o.organisation_id = l.organisation_id
left join persons as cp on cp.person_id = l.person_id
left join employees as owner on owner.employee_id = a.employee_id
left join lateral (
    select e.full_name, e.email
    from employee_lines as el
    join employees as e on e.employee_id = el.employee_id
    where el.line_id = l.line_id and el.role = 'head_of_sales' and e.is_active
) as head on true
where r.survey_response_id = any(cast(:response_ids as bigint []))
order by head.email, r.survey_response_id

-- name: release_alerts
-- Purpose: alerts whose letters the server refused are told again by the next run.
-- Side effects: updates survey_responses.
update survey_responses
set alerted_at = null
where survey_response_id = any(cast(:response_ids as bigint []))

-- name: invitation_by_token
-- Purpose: what the survey page shows for a personal link: the wave and whether it is open,
-- whom the invitation is for, and the answers given so far.
-- Side effects: none.
select
    i.survey_invitation_id, w.name as wave_name, w.opens_at, w.closes_at,
    w.opens_at <= now() and now() < w.closes_at as is_open,
    coalesce(o.name, '') as organisation,
    r.survey_response_id, coalesce(r.updated_at, r.submitted_at) as answered_at,
    to_jsonb(r) as answers
from survey_invitations as i
join survey_waves as w on w.survey_wave_id = i.survey_wave_id
join leads as l on l.lead_id = i.lead_id
left join organisations as o on o.organisation_id = l.organisation_id
left join survey_responses as r on r.survey_invitation_id = i.survey_invitation_id
where i.token = :token

-- name: lock_invitation
-- Purpose: two posts of one link (a double click) are written one after the other.
-- Side effects: locks the invitation's row until the transaction ends.
select survey_invitation_id from survey_invitations where token = :token for update

-- name: import_candidates
-- Purpose: every invitation of a wave with the token and the addresses a row of an external
-- survey tool's file may name it by: the address the letter went to, the person's own and
-- their work addresses.
-- Side effects: none.
select
    i.survey_invitation_id, i.token,
    array_remove(
        array[cast(s.email as text)] || p.emails
        || coalesce(work.emails, cast(array[] as text [])),
        null
    ) as emails
from survey_invitations as i
join persons as p on p.person_id = i.person_id
left join survey_waves as w on w.survey_wave_id = i.survey_wave_id
left join campaign_sends as s
    on s.campaign_id = w.campaign_id and s.occurrence = '' and s.person_id = i.person_id
left join lateral (
    select cast(array_agg(e.work_email) as text []) as emails
    from employments as e
    where e.person_id = i.person_id and e.work_email is not null
) as work on true
where i.survey_wave_id = :wave_id

-- name: wave_summary
-- Purpose: a wave at a glance: invitations, letters, reminders, answers, the response rate,
-- NPS, the average per question group and the low scores with their follow-ups.
-- Side effects: none.
with invited as (
    select i.*, r.survey_response_id, r.nps, r.follow_up_activity_id, r.alerted_at,
        to_jsonb(r) as answers
    from survey_invitations as i
    left join survey_responses as r on r.survey_invitation_id = i.survey_invitation_id
    where i.survey_wave_id = :wave_id
),

final as (
    select
        count(*) as invitations,
        count(*) filter (where invited_at is not null) as letters_sent,
        count(*) filter (where reminded_at is not null) as reminders_sent,
        count(survey_response_id) as responses,
        count(nps) as nps_answers,
        count(*) filter (where nps >= 9) as promoters,
        count(*) filter (where nps <= 6) as detractors,
        count(follow_up_activity_id) as follow_ups,
        count(*) filter (where follow_up_activity_id is not null and alerted_at is null)
            as alerts_pending
    from invited
)

select * from final

-- name: group_averages
-- Purpose: a wave's average score per question, for `crm survey show`.
-- Side effects: none.
select a.key as question, round(avg(cast(a.value as numeric)), 2) as average, count(*) as answers
from survey_invitations as i
join survey_responses as r on r.survey_invitation_id = i.survey_invitation_id
cross join lateral jsonb_each_text(to_jsonb(r)) as a
where i.survey_wave_id = :wave_id and a.key = any(cast(:questions as text [])) and a.value is not null
group by a.key
